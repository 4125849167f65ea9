"""The background loop that runs import and export jobs, in any API replica.

A job is claimed with a conditional UPDATE (queued, or running with an expired lease), so two
replicas never run it twice at once; the runner renews the lease while it works. A replica that dies
leaves a lease that expires, and another replica resumes the job: imports skip what their ledger
says is done, exports start their zip again (nothing half-written was ever published).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import DBAPIError, OperationalError

from labelhive_api.db.base import utcnow
from labelhive_api.db.engine import Database
from labelhive_api.exports.models import ExportJob
from labelhive_api.imports.models import ImportJob, JobState
from labelhive_api.imports.staging import remove_staging
from labelhive_api.storage.config import Storage

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
JOB_SWITCH_INTERVAL = 0.001
RENEW_EVERY = 10.0
MAX_ATTEMPTS = 5


@dataclass
class Claim:
    model: type[ImportJob] | type[ExportJob]
    job_id: int
    attempt: int


def claim_next(
    db: Database, model: type[ImportJob] | type[ExportJob], storage: Storage | None = None
) -> Claim | None:
    """The oldest queued (or abandoned) job of this kind, leased to the caller; None when there is none. A job
    that has used up its attempts is failed instead, and its staged upload files are removed with it."""
    now = utcnow()
    claimable = or_(
        model.state == JobState.QUEUED,
        and_(model.state == JobState.RUNNING, model.lease_until < now),
    )
    with db.session() as session:
        row = session.execute(
            select(model.id, model.attempts).where(claimable).order_by(model.id).limit(1)
        ).first()
        if row is None:
            return None
        job_id, attempts = row
        if attempts >= MAX_ATTEMPTS:
            session.execute(
                update(model)
                .where(model.id == job_id)
                .values(
                    state=JobState.FAILED,
                    error=f"gave up after {attempts} attempts",
                    lease_until=None,
                    finished_at=now,
                )
            )
            options = session.get(model, job_id).options if model is ImportJob else None
        else:
            options = None
    if attempts >= MAX_ATTEMPTS:
        if storage is not None and isinstance(options, dict) and options.get("staging"):
            remove_staging(storage.target, options["staging"])
        return None
    with db.session() as session:
        result = session.execute(
            update(model)
            .where(model.id == job_id, model.attempts == attempts, claimable)
            .values(state=JobState.RUNNING, lease_until=now + LEASE, attempts=attempts + 1, started_at=now)
        )
        if result.rowcount != 1:
            return None
    return Claim(model, job_id, attempts + 1)


class Lease:
    """Renews a claimed job's lease; `alive()` turns False when the job was cancelled or taken over."""

    def __init__(self, db: Database, claim: Claim) -> None:
        self.db = db
        self.claim = claim
        self._last = 0.0
        self._alive = True

    def alive(self) -> bool:

        if not self._alive:
            return False
        if time.monotonic() - self._last < RENEW_EVERY:
            return True
        model = self.claim.model
        with self.db.session() as session:
            result = session.execute(
                update(model)
                .where(
                    model.id == self.claim.job_id,
                    model.attempts == self.claim.attempt,
                    model.state == JobState.RUNNING,
                )
                .values(lease_until=utcnow() + LEASE)
            )
            self._alive = result.rowcount == 1
        self._last = time.monotonic()
        return self._alive


def give_back(db: Database, claim: Claim, error: str) -> None:
    """The database failed under the job (connection lost, server restarting, SQLite busy): queue it again
    for the next claim, which resumes it; MAX_ATTEMPTS still bounds the tries. If the database cannot even
    take this, the lease runs out and the job is claimed again all the same."""
    model = claim.model
    try:
        with db.session() as session:
            session.execute(
                update(model)
                .where(
                    model.id == claim.job_id, model.attempts == claim.attempt, model.state == JobState.RUNNING
                )
                .values(state=JobState.QUEUED, error=f"retrying: {error}"[:4000], lease_until=None)
            )
    except DBAPIError:
        log.warning(
            "%s %s: could not give the job back; its lease will expire", model.__tablename__, claim.job_id
        )


def mark_failed(db: Database, claim: Claim, error: str, storage: Storage | None = None) -> None:
    model = claim.model
    with db.session() as session:
        result = session.execute(
            update(model)
            .where(model.id == claim.job_id, model.attempts == claim.attempt)
            .values(state=JobState.FAILED, error=error[:4000], lease_until=None, finished_at=utcnow())
        )
        failed = result.rowcount == 1
        options = session.get(model, claim.job_id).options if model is ImportJob and failed else None
    if storage is not None and isinstance(options, dict) and options.get("staging"):
        remove_staging(storage.target, options["staging"])  # a failed upload leaves no files behind


class DataJobRunner:
    def __init__(
        self,
        db: Database,
        storage: Storage,
        *,
        concurrency: int = 2,
        poll_seconds: float = 2.0,
        **options: Any,
    ) -> None:
        self.db = db
        self.storage = storage
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.options = options
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._slots = threading.BoundedSemaphore(concurrency)
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._orientation_backfill = True  # until a pass finds no unchecked task
        self._sizing = True  # until a pass finds no task without a size (again after tasks are added)
        self._sizing_busy = threading.Event()

    def start(self) -> None:
        # Jobs run beside the request handlers in this process: a handler waiting for the GIL behind a busy
        # job thread gets it within 1 ms instead of 5 (CPython's default), at every I/O wait of a request.
        sys.setswitchinterval(min(sys.getswitchinterval(), JOB_SWITCH_INTERVAL))
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="data-job")
        self._thread = threading.Thread(target=self._loop, name="data-jobs", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def tasks_added(self) -> None:
        """Tasks were created, maybe without image sizes: look for some when idle."""
        self._sizing = True
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            ran = False
            try:
                for model in (ImportJob, ExportJob):
                    if not self._slots.acquire(blocking=False):
                        break
                    claim = claim_next(self.db, model, self.storage)
                    if claim is None:
                        self._slots.release()
                        continue
                    ran = True
                    assert self._pool is not None
                    self._pool.submit(self._run, claim)
                idle_for_sizing = not ran and self._sizing and not self._sizing_busy.is_set()
                if idle_for_sizing and self._slots.acquire(blocking=False):
                    # on a slot of its own: reading images from the web must not hold up the jobs
                    self._sizing = False
                    self._sizing_busy.set()
                    assert self._pool is not None
                    self._pool.submit(self._size_some)
                if not ran and self._orientation_backfill:
                    from labelhive_api.imports.orientation import backfill

                    ran = self._orientation_backfill = backfill(self.db, self.storage) > 0
            except Exception:
                log.exception("data job loop")
            if not ran:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def _run(self, claim: Claim) -> None:
        try:
            run_claimed(self.db, self.storage, claim, **self.options)
        finally:
            self._sizing = True  # an import by reference may have added tasks without sizes
            self._slots.release()
            self._wake.set()

    def _size_some(self) -> None:
        from labelhive_api.imports.service import ImportSettings
        from labelhive_api.imports.sizing import backfill_sizes

        settings = self.options.get("import_settings") or ImportSettings()
        try:
            if backfill_sizes(self.db, self.storage, settings.url_policy(), settings.max_image_pixels) > 0:
                self._sizing = True  # there may be more
        except Exception:
            log.exception("image sizes")
        finally:
            self._sizing_busy.clear()
            self._slots.release()
            self._wake.set()


def run_claimed(db: Database, storage: Storage, claim: Claim, **options: Any) -> None:
    """Runs one claimed job to its end (or until its lease is lost); failures are recorded on the job."""
    from labelhive_api.exports.jobs import run_export
    from labelhive_api.imports.service import ImportRun, ImportStopped

    lease = Lease(db, claim)
    try:
        if claim.model is ImportJob:
            ImportRun(
                db, storage, claim.job_id, options.get("import_settings"), should_continue=lease.alive
            ).run()
            if (after_import := options.get("after_import")) is not None:
                after_import(db, claim.job_id)  # e.g. the project's automatic pre-label (exemplars/jobs.py)
        else:
            import_settings = options.get("import_settings")
            run_export(
                db,
                storage,
                claim.job_id,
                should_continue=lease.alive,
                fetch_workers=options.get("fetch_workers", 12),
                # images of tasks by URL, under the policy and per-file cap of URL imports
                outbound=import_settings.url_policy() if import_settings is not None else None,
            )
    except ImportStopped:
        log.info("import job %s stopped (cancelled or taken over)", claim.job_id)
    except OperationalError as exc:
        log.warning("%s %s: the database failed, retrying: %s", claim.model.__tablename__, claim.job_id, exc)
        give_back(db, claim, f"{type(exc).__name__}: {exc.orig}")
    except Exception as exc:
        from labelhive_api.exports.service import ExportStopped

        if isinstance(exc, ExportStopped):
            log.info("export job %s stopped (cancelled or taken over)", claim.job_id)
            return
        log.exception("%s %s failed", claim.model.__tablename__, claim.job_id)
        mark_failed(db, claim, f"{type(exc).__name__}: {exc}", storage)


def run_until_idle(db: Database, storage: Storage, **options: Any) -> int:
    """Runs every claimable job in this thread (tests, `labelhive-api` one-shot use); returns how many."""
    count = 0
    while True:
        claim = claim_next(db, ImportJob, storage) or claim_next(db, ExportJob, storage)
        if claim is None:
            return count
        run_claimed(db, storage, claim, **options)
        count += 1


RunnerFactory = Callable[[Database, Storage], DataJobRunner]
