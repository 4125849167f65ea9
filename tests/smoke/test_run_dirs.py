"""The harness prunes the run directories (databases, logs) of processes that ended hours ago, and nothing
else: not a running process's, not a recent one's (its logs are wanted after a failure), not one with a mount,
not one a server still runs in (its starter was killed)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from labelhive_harness.common import prune_run_dirs


def _spawn_and_reap() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def make(base: Path, name: str, age_seconds: float) -> Path:
    path = base / name
    (path / "data").mkdir(parents=True)
    (path / "postgres.log").write_text("log\n")
    then = time.time() - age_seconds
    for p in (path / "data", path / "postgres.log", path):
        os.utime(p, (then, then))
    return path


def test_only_old_directories_of_ended_processes_are_pruned(tmp_path: Path) -> None:
    dead = _spawn_and_reap()
    old_dead = make(tmp_path, f"postgres-{dead}-1", 3 * 3600)
    recent_dead = make(tmp_path, f"seaweedfs-{dead}-2", 60)
    old_alive = make(tmp_path, f"postgres-{os.getpid()}-3", 3 * 3600)
    other = make(tmp_path, "notes", 3 * 3600)
    mounted = make(tmp_path, f"node-{dead}-4", 3 * 3600)
    orphaned = make(tmp_path, f"seaweedfs-{dead}-5", 3 * 3600)
    server = subprocess.Popen(["sleep", "60"], cwd=orphaned / "data")  # as a server started there
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(mounted / "data")], check=True)
    try:
        for p in (mounted / "data", mounted / "postgres.log", mounted):  # old, but for the mount
            os.utime(p, (time.time() - 3 * 3600,) * 2)
        removed = prune_run_dirs(tmp_path, keep_seconds=2 * 3600)
        assert removed == [old_dead]
        assert not old_dead.exists()
        assert recent_dead.exists() and old_alive.exists() and other.exists() and mounted.exists()
        assert orphaned.exists()
    finally:
        server.kill()
        server.wait()
        subprocess.run(["umount", str(mounted / "data")], check=True)
