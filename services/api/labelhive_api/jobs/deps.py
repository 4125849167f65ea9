"""How routes reach the job runner: `jobs.wake()` after queueing a job, `jobs.nudge(sweep)` after adding
work a sweep looks for. Without a running app lifespan (one-shot scripts) both do nothing."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends, Request


class Jobs(Protocol):
    def wake(self) -> None: ...

    def nudge(self, sweep: str) -> None: ...


class _NoRunner:
    def wake(self) -> None:
        pass

    def nudge(self, sweep: str) -> None:
        pass


def get_jobs(request: Request) -> Jobs:
    runner: Jobs | None = getattr(request.app.state, "jobs", None)
    return runner if runner is not None else _NoRunner()


JobsDep = Annotated[Jobs, Depends(get_jobs)]
