"""Imports as a job kind of the runner (jobs/), and the sweeps that complete tasks' image facts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from labelhive_api.db.engine import Database
from labelhive_api.imports.models import ImportJob
from labelhive_api.imports.orientation import backfill
from labelhive_api.imports.run import ImportRun
from labelhive_api.imports.settings import ImportSettings
from labelhive_api.imports.sizing import backfill_sizes
from labelhive_api.imports.staging import remove_staging
from labelhive_api.jobs.kinds import JobKind, ShouldContinue, Sweep
from labelhive_api.storage.config import Storage

IMAGE_SIZES = "image sizes"


def import_kind(
    db: Database, storage: Storage, settings: ImportSettings, after: Callable[[int], object] | None = None
) -> JobKind:
    def run(job_id: int, should_continue: ShouldContinue) -> None:
        ImportRun(db, storage, job_id, settings, should_continue=should_continue).run()

    def given_up(options: dict[str, Any] | None) -> None:
        if isinstance(options, dict) and options.get("staging"):
            remove_staging(storage.target, options["staging"])  # a failed upload leaves no files behind

    return JobKind("import", ImportJob, run, after=after, given_up=given_up)


def image_sweeps(db: Database, storage: Storage, settings: ImportSettings) -> list[Sweep]:
    """Tasks by reference without sizes get them (reading from storage or the web, under the outbound
    policy); older tasks get their EXIF orientation checked. Both only when no job is waiting."""
    policy = settings.url_policy()
    return [
        Sweep(
            IMAGE_SIZES,
            lambda: backfill_sizes(db, storage, policy, settings.max_image_pixels),
            idle_only=True,
        ),
        Sweep("image orientation", lambda: backfill(db, storage), idle_only=True),
    ]
