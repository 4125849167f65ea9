"""Shared plumbing for the real-service test harness: ports, waiting, logs, caches, packages."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


class HarnessError(RuntimeError):
    """A missing prerequisite or a service that would not start: one line, what and how to fix."""


def cache_dir(*parts: str) -> Path:
    """Cache outside the repository, keyed by the caller (e.g. cache_dir('kube', 'v1.34.4'))."""
    base = Path(os.environ.get("LABELHIVE_CACHE", Path.home() / ".cache" / "labelhive"))
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


# Run directories of ended processes are kept this long (their logs, to look at a failed run), then pruned.
KEEP_ENDED_RUNS_SECONDS = 2 * 3600


def run_dir(name: str) -> Path:
    """A fresh private directory for one service instance's data and logs (`<name>-<pid>-<ns>`). Directories
    of processes that ended hours ago go first (`prune_run_dirs`): runs otherwise pile up GBs of databases."""
    base = Path(os.environ.get("LABELHIVE_RUN_DIR", "/tmp/labelhive-run"))
    base.mkdir(parents=True, exist_ok=True)
    os.chmod(base, 0o777)
    prune_run_dirs(base)
    path = base / f"{name}-{os.getpid()}-{time.monotonic_ns()}"
    path.mkdir()
    return path


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's
        return True
    return True


def _paths_in_use() -> list[str]:
    """The command lines and working directories of the running processes (where a server names its data)."""
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            out.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
            out.append(os.readlink(proc / "cwd"))
    return out


def prune_run_dirs(base: Path, keep_seconds: float = KEEP_ENDED_RUNS_SECONDS) -> list[Path]:
    """Removes the run directories whose process has ended and that nothing changed for `keep_seconds`,
    except any with a mount below it (a killed node's leftovers: the node harness's cleanup is theirs) or that a
    running process names (an orphaned server)."""
    candidates = []
    for path in base.iterdir():
        parts = path.name.rsplit("-", 2)
        if len(parts) != 3 or not parts[1].isdigit() or not path.is_dir():
            continue
        if _running(int(parts[1])):
            continue  # its process (or one that took its number) still runs
        try:
            changed = max([path.stat().st_mtime, *(p.stat().st_mtime for p in path.iterdir())])
        except OSError:
            continue
        if time.time() - changed >= keep_seconds:
            candidates.append(path)
    if not candidates:
        return []
    mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines() if line.strip()]
    used = _paths_in_use()
    removed = []
    for path in candidates:
        if any(m == str(path) or m.startswith(f"{path}/") for m in mounts):
            continue
        if any(str(path) in text for text in used):
            continue  # a server it started outlived it (its owner was killed): its data stays
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def port_bindable(port: int, host: str = "127.0.0.1") -> bool:
    """True when a listener could bind the port now (nothing holds it, not even a closing socket)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def wait_for(
    ready: Callable[[], bool],
    *,
    what: str,
    timeout: float = 60.0,
    log: Path | None = None,
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    """Poll `ready` until true; fail with one line naming the service and its log."""
    deadline = time.monotonic() + timeout
    where = f" (log: {log})" if log else ""
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise HarnessError(f"{what} exited with code {process.returncode} while starting{where}")
        try:
            if ready():
                return
        except Exception:  # noqa: BLE001 - not ready yet, whatever the reason
            pass
        time.sleep(0.2)
    raise HarnessError(f"{what} did not become ready within {timeout:.0f}s{where}")


def ensure_debian_packages(binaries: dict[str, str]) -> None:
    """Install Debian packages whose binaries are missing ({binary_path_or_name: package})."""
    missing = sorted(
        {pkg for binary, pkg in binaries.items() if not (Path(binary).exists() or shutil.which(binary))}
    )
    if not missing:
        return
    if os.geteuid() != 0:
        raise HarnessError(
            f"missing Debian packages {', '.join(missing)}: run 'sudo apt-get install -y {' '.join(missing)}' "
            "or point the LABELHIVE_TEST_* variables at existing services"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log = cache_dir("logs") / "apt.log"
    with log.open("ab") as out:
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *missing]):
            if subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT, env=env) != 0:
                raise HarnessError(f"'{' '.join(cmd)}' failed (log: {log})")


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """Terminate a process and, when it leads its own session (start_new_session=True), its children."""
    if process.poll() is not None:
        return
    group = _own_group(process)
    _signal(process, group, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        _signal(process, group, signal.SIGKILL)
        process.wait(5)
    if group:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _own_group(process: subprocess.Popen[bytes]) -> bool:
    try:
        return os.getpgid(process.pid) == process.pid
    except ProcessLookupError:
        return False


def _signal(process: subprocess.Popen[bytes], group: bool, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        if group:
            os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)
