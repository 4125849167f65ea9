"""The loop that runs every kind of background job, in any API replica (started by the app's lifespan).

Job kinds share `slots` worker threads (claimed in turn, oldest job first); sweeps run one pass at a time,
either on a job slot when nothing else was claimed (`idle_only`) or in their own lane (webhook deliveries,
so a long export never delays them). `wake()` makes the loop look at once instead of at its next poll.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.exc import OperationalError

from labelhive_api.db.engine import Database
from labelhive_api.jobs.kinds import JobKind, JobStopped, Sweep
from labelhive_api.jobs.leases import Claim, Lease, claim_next, give_back, mark_failed

log = logging.getLogger(__name__)

JOB_SWITCH_INTERVAL = 0.001
GC_GEN0 = 50_000


def run_claimed(db: Database, claim: Claim) -> None:
    """Runs one claimed job to its end (or until its lease is lost); failures are recorded on the job."""
    kind = claim.kind
    lease = Lease(db, claim)
    try:
        kind.run(claim.job_id, lease.alive)
    except JobStopped:
        log.info("%s job %s stopped (cancelled or taken over)", kind.name, claim.job_id)
        return
    except OperationalError as exc:
        log.warning("%s job %s: the database failed, retrying: %s", kind.name, claim.job_id, exc)
        give_back(db, claim, f"{type(exc).__name__}: {exc.orig}")
        return
    except Exception as exc:
        log.exception("%s job %s failed", kind.name, claim.job_id)
        mark_failed(db, claim, f"{type(exc).__name__}: {exc}")
        return
    if kind.after is not None:
        kind.after(claim.job_id)


def run_until_idle(db: Database, kinds: Sequence[JobKind]) -> int:
    """Runs every claimable job in this thread (tests, one-shot use); returns how many."""
    count = 0
    while True:
        claim = next((c for kind in kinds if (c := claim_next(db, kind)) is not None), None)
        if claim is None:
            return count
        run_claimed(db, claim)
        count += 1


def tune_gc() -> None:
    """Bulk jobs allocate many short-lived containers per task. With CPython's default thresholds
    (700, 10, 10) a 40,000-task import ran the collector ~1,800 times, 7 s in all, and its full collections
    stopped every thread (status polls too) for up to 0.9 s. What is loaded at start-up is frozen (never
    scanned again) and the young generation is collected after 50,000 net allocations instead of 700.
    Once per process (tests start many runners): garbage is collected first, so none of it is kept for good."""
    gen0, gen1, gen2 = gc.get_threshold()
    if gen0 >= GC_GEN0:
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(max(gen0, GC_GEN0), max(gen1, 20), max(gen2, 100))


class JobRunner:
    def __init__(
        self,
        db: Database,
        kinds: Sequence[JobKind],
        sweeps: Sequence[Sweep] = (),
        *,
        slots: int = 2,
        poll_seconds: float = 1.0,
    ) -> None:
        self.db = db
        self.kinds = tuple(kinds)
        self.sweeps = {sweep.name: sweep for sweep in sweeps}
        self.poll_seconds = poll_seconds
        self._slots = threading.BoundedSemaphore(slots)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._due = set(self.sweeps)  # sweeps to run again (all at start; a nudge or a busy pass re-arms one)
        self._busy: set[str] = set()
        self._last_run: dict[str, float] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(slots + len(self.sweeps), thread_name_prefix="job")
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        # Jobs run beside the request handlers in this process: a handler waiting for the GIL behind a busy
        # job thread gets it within 1 ms instead of 5 (CPython's default), at every I/O wait of a request.
        sys.setswitchinterval(min(sys.getswitchinterval(), JOB_SWITCH_INTERVAL))
        tune_gc()
        self._thread = threading.Thread(target=self._loop, name="jobs", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """A job was queued (or cancelled): look now."""
        self._wake.set()

    def nudge(self, sweep: str) -> None:
        """There may be work for this sweep (e.g. tasks added without image sizes): run it soon."""
        with self._lock:
            self._due.add(sweep)
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            ran = False
            try:
                ran = self._claim_jobs()
                self._start_sweeps(idle=not ran)
            except Exception:
                log.exception("job loop")
            if not ran:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def _claim_jobs(self) -> bool:
        ran = False
        for kind in self.kinds:
            if not self._slots.acquire(blocking=False):
                break
            claim = claim_next(self.db, kind)
            if claim is None:
                self._slots.release()
                continue
            ran = True
            self._pool.submit(self._run, claim)
        return ran

    def _is_due(self, sweep: Sweep, now: float) -> bool:
        if sweep.name in self._due:
            return True
        if sweep.every is not None:
            return now - self._last_run.get(sweep.name, 0.0) >= sweep.every
        return sweep.own_lane

    def _start_sweeps(self, idle: bool) -> None:
        now = time.monotonic()
        for name, sweep in self.sweeps.items():
            if sweep.idle_only and not idle:
                continue
            with self._lock:
                if name in self._busy or not self._is_due(sweep, now):
                    continue
                if not sweep.own_lane and not self._slots.acquire(blocking=False):
                    continue
                self._busy.add(name)
                self._due.discard(name)
                self._last_run[name] = now
            self._pool.submit(self._sweep, sweep)

    def _run(self, claim: Claim) -> None:
        try:
            run_claimed(self.db, claim)
        finally:
            self._slots.release()
            # A job may have made work for the idle sweeps (tasks without sizes); the others keep their own
            # rhythm (webhooks at each poll, pre-label publishing on its period).
            for name, sweep in self.sweeps.items():
                if sweep.idle_only:
                    self.nudge(name)

    def _sweep(self, sweep: Sweep) -> None:
        more = False
        try:
            more = sweep.run_once() > 0
        except Exception:
            log.exception("%s", sweep.name)
        finally:
            with self._lock:
                self._busy.discard(sweep.name)
                if more:
                    self._due.add(sweep.name)
            if not sweep.own_lane:
                self._slots.release()
            if more:
                self._wake.set()
