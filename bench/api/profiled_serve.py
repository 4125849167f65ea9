"""`labelhive-api serve` under cProfile, for `bench.py --profile DIR` (never used outside the bench).

Sync routes and dependencies run inline on the event loop instead of on worker threads, so one profiler sees
a whole request (the bench sends one request at a time, so nothing else changes). On SIGUSR1 the server
writes what it profiled to DIR/<phase>.prof, where <phase> is the name the bench last wrote to DIR/phase,
and starts afresh under the new name.
"""

from __future__ import annotations

import cProfile
import signal
import sys
import time
from pathlib import Path
from typing import Any

import anyio.to_thread


async def _inline(func: Any, *args: Any, **_kwargs: Any) -> Any:
    return func(*args)


class _Phases:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.phase = "startup"
        self.profile = cProfile.Profile(time.process_time)  # CPU, not waits on the database

    def switch(self, _signum: int, _frame: Any) -> None:
        self.profile.disable()
        self.profile.dump_stats(self.out / f"{self.phase}.prof")
        self.phase = (self.out / "phase").read_text().strip()
        self.profile = cProfile.Profile(time.process_time)
        self.profile.enable()


def main() -> None:
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    phases = _Phases(Path(sys.argv[1]))
    signal.signal(signal.SIGUSR1, phases.switch)
    from labelhive_api.cli import main as cli_main

    sys.argv = ["labelhive-api", "serve"]
    phases.profile.enable()
    cli_main()


if __name__ == "__main__":
    main()
