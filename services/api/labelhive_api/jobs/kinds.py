"""What the runner runs: job kinds kept as table rows, and sweeps that find their own work.

A `JobKind`'s table has the job columns (`id`, `state`, `attempts`, `lease_until`, `started_at`,
`finished_at`, `error`, `options`): a job is claimed with a lease, renewed while it runs, retried after a
database failure, failed with its error after `MAX_ATTEMPTS`, cancelled by setting its state, and resumed by
whichever replica claims it next. A `Sweep` (webhook deliveries, image sizes) has its own rows and claim.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class JobStopped(Exception):
    """The job lost its lease or was cancelled: what it committed stays, the rest waits for a re-run."""


ShouldContinue = Callable[[], bool]


@dataclass(frozen=True)
class JobKind:
    name: str
    model: Any  # the job table (imports/models.py ImportJob, exports/models.py ExportJob)
    run: Callable[[int, ShouldContinue], None]  # runs one claimed job to its end; raises JobStopped
    after: Callable[[int], object] | None = None  # after a finished run (the automatic pre-label)
    given_up: Callable[[dict[str, Any] | None], None] | None = None  # clean-up when a job finally fails


@dataclass(frozen=True)
class Sweep:
    """`run_once` does some due work and says how many items it handled (more may be waiting when > 0).
    A sweep runs when nudged, when its last pass handled something, every `every` seconds if set, and (an
    `own_lane` sweep without `every`) at each poll. `idle_only` sweeps run only when no job was claimed;
    `own_lane` ones never wait for a job slot."""

    name: str
    run_once: Callable[[], int]
    idle_only: bool = False
    own_lane: bool = False
    every: float | None = None
