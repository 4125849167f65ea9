"""Claiming a job row with a lease, renewing it, giving it back after a database failure, failing it.

A job is claimed with a conditional UPDATE (queued, or running with an expired lease), so two replicas never
run it twice at once; the runner renews the lease while it works. A replica that dies leaves a lease that
expires, and another replica resumes the job (imports skip what their ledger says is done; exports start
their zip again, since nothing half-written was ever published).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import DBAPIError

from labelhive_api.db.base import utcnow
from labelhive_api.db.engine import Database
from labelhive_api.jobs.kinds import JobKind
from labelhive_api.jobs.state import JobState

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
RENEW_EVERY = 10.0
MAX_ATTEMPTS = 5


@dataclass
class Claim:
    kind: JobKind
    job_id: int
    attempt: int


def claim_next(db: Database, kind: JobKind) -> Claim | None:
    """The oldest queued (or abandoned) job of this kind, leased to the caller; None when there is none. A job
    that has used up its attempts is failed instead (and the kind cleans up after it)."""
    model = kind.model
    now = utcnow()
    claimable = or_(
        model.state == JobState.QUEUED,
        and_(model.state == JobState.RUNNING, model.lease_until < now),
    )
    with db.session() as session:
        row = session.execute(
            select(model.id, model.attempts, model.options).where(claimable).order_by(model.id).limit(1)
        ).first()
        if row is None:
            return None
        job_id, attempts, options = row
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
    if attempts >= MAX_ATTEMPTS:
        if kind.given_up is not None:
            kind.given_up(options)
        return None
    with db.session() as session:
        result = session.execute(
            update(model)
            .where(model.id == job_id, model.attempts == attempts, claimable)
            .values(state=JobState.RUNNING, lease_until=now + LEASE, attempts=attempts + 1, started_at=now)
        )
        if result.rowcount != 1:
            return None
    return Claim(kind, job_id, attempts + 1)


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
        model = self.claim.kind.model
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
    model = claim.kind.model
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
            "%s %s: could not give the job back; its lease will expire", claim.kind.name, claim.job_id
        )


def mark_failed(db: Database, claim: Claim, error: str) -> None:
    """The job failed for good (its error is shown to the manager); the kind cleans up after it."""
    model = claim.kind.model
    with db.session() as session:
        result = session.execute(
            update(model)
            .where(model.id == claim.job_id, model.attempts == claim.attempt)
            .values(state=JobState.FAILED, error=error[:4000], lease_until=None, finished_at=utcnow())
        )
        failed = result.rowcount == 1
        options = session.get(model, claim.job_id).options if failed else None
    if failed and claim.kind.given_up is not None:
        claim.kind.given_up(options)
