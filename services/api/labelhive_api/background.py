"""What runs beside the requests: storage and image delivery, and the job runner with every job kind.

The one place that knows all kinds (like `router.py` knows all routes); `app.py`'s lifespan enters
`background(app)`, and tests build the same kinds with `job_kinds()` to run jobs in their own thread.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from labelhive_api.db.engine import Database
from labelhive_api.exports.jobs import export_kind
from labelhive_api.imports.jobs import image_sweeps, import_kind
from labelhive_api.imports.safezip import ZipLimits
from labelhive_api.imports.settings import ImportSettings
from labelhive_api.jobs.kinds import JobKind, Sweep
from labelhive_api.jobs.runner import JobRunner
from labelhive_api.predictions.after_import import after_import
from labelhive_api.predictions.prelabel import publish_left_over
from labelhive_api.settings import Settings
from labelhive_api.storage.config import Storage, StorageConfig, build_storage
from labelhive_api.storage.delivery import ImageDelivery
from labelhive_api.webhooks.dispatcher import WebhookDispatcher

log = logging.getLogger(__name__)

PUBLISH_EVERY = 30.0  # seconds between looks for pre-label items left queued


def import_settings(settings: Settings, storage: Storage) -> ImportSettings:
    limits = ZipLimits(max_file_bytes=storage.config.max_upload_bytes)
    return ImportSettings(
        limits=limits,
        max_image_pixels=storage.config.max_image_pixels,
        outbound=settings.outbound_policy(max_bytes=limits.max_file_bytes, timeout=30.0),
    )


def job_kinds(
    db: Database,
    storage: Storage,
    settings: Settings,
    imports: ImportSettings,
    *,
    after: Callable[[int], object] | None = None,
    fetch_workers: int = 12,
) -> list[JobKind]:
    """Imports (then the project's automatic pre-label), and exports (images of tasks by URL under the
    policy and per-file cap of URL imports)."""
    if after is None:
        after = functools.partial(after_import, db, settings=settings)
    return [
        import_kind(db, storage, imports, after=after),
        export_kind(db, storage, fetch_workers=fetch_workers, outbound=imports.url_policy()),
    ]


def sweeps(db: Database, storage: Storage, settings: Settings, imports: ImportSettings) -> list[Sweep]:
    found = image_sweeps(db, storage, imports)
    if settings.webhook_worker:
        found.append(WebhookDispatcher(db, settings).sweep())
    if settings.amqp_url:
        # Pre-label items a broker outage left queued; fresh jobs are published by their request.
        publish = functools.partial(publish_left_over, db, settings)
        found.append(Sweep("pre-label publishing", publish, own_lane=True, every=PUBLISH_EVERY))
    return found


@asynccontextmanager
async def background(app: FastAPI) -> AsyncIterator[None]:
    """Storage, delivery and the job runner live as long as the app. Tests may set
    `app.state.start_jobs = False` and drive jobs themselves."""
    settings: Settings = app.state.settings
    db: Database = app.state.db
    storage = build_storage(StorageConfig.from_settings(settings))
    try:
        storage.ensure_buckets()
    except Exception as exc:  # noqa: BLE001 - provisioned buckets may forbid creation; use them as they are
        log.warning("storage: could not ensure buckets: %s", exc)
    imports = import_settings(settings, storage)
    app.state.storage = storage
    app.state.delivery = ImageDelivery(storage, settings.secret_key)
    app.state.import_settings = imports
    runner = JobRunner(db, job_kinds(db, storage, settings, imports), sweeps(db, storage, settings, imports))
    app.state.jobs = runner
    # Not on a test's single shared connection; tests may also drive jobs themselves.
    if isinstance(db.bind, Engine) and getattr(app.state, "start_jobs", True):
        runner.start()
    try:
        yield
    finally:
        runner.stop()
