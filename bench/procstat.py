"""CPU time of processes from Linux /proc, for the benchmarks' figures: what a process (or a server's whole
process tree) spent, apart from the machine's contention."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def cpu_seconds(pid: int, reaped: bool = False) -> float:
    """User + system CPU of a process (Linux /proc): the cost apart from the machine's contention; `reaped`:
    with its ended children's."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(f) for f in fields[11 : 15 if reaped else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int | None) -> float:
    """CPU of a server the harness started (PostgreSQL: the postmaster, its backends and autovacuum; SeaweedFS):
    every process under `root`, with their ended children's."""
    if root is None:
        return 0.0
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    tree, total = {root}, 0.0
    for pid in sorted(parents):  # children have higher pids than their parents here (no pid wrap-around)
        if pid == root or parents[pid] in tree:
            tree.add(pid)
            with contextlib.suppress(OSError):
                total += cpu_seconds(pid, reaped=True)
    return total
