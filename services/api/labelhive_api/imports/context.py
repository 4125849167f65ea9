"""One import job while it runs: what it imports, what its ledger already holds, and the progress and report
it writes back. The source, ingest and attach steps (and the by-reference imports) all report here."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import String, bindparam, func, select, true, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from labelhive_api.db.base import utcnow
from labelhive_api.db.engine import Database
from labelhive_api.db.statements import dialect_name
from labelhive_api.imports.models import ImportItem, ImportJob
from labelhive_api.imports.settings import ImportSettings, ImportStopped
from labelhive_api.jobs.state import JobState


class ImportContext:
    def __init__(
        self,
        db: Database,
        job_id: int,
        settings: ImportSettings,
        should_continue: Callable[[], bool] = lambda: True,
    ) -> None:
        self.db = db
        self.job_id = job_id
        self.settings = settings
        self.should_continue = should_continue
        with db.sessions() as session:
            job = session.get(ImportJob, job_id)
            if job is None:
                raise LookupError(f"no import job {job_id}")
            self.project_id = job.project_id
            self.kind, self.format, self.options = job.kind, job.format, dict(job.options or {})
            self.created_by = job.created_by
            ledger = session.execute(
                select(ImportItem.name, ImportItem.state, ImportItem.task_id).where(
                    ImportItem.job_id == job_id
                )
            ).all()
        # What an earlier run of this job already did: those ledger names are skipped.
        self.done_names = {row.name for row in ledger}
        self.placed_names = {row.name: row.task_id for row in ledger if row.task_id is not None}
        counts = Counter(row.state for row in ledger)
        self.imported, self.duplicates, self.refused = (
            counts["imported"],
            counts["duplicate"],
            counts["refused"],
        )
        self.seen = len(ledger)
        self._lock = threading.Lock()  # chunks written at once report here (`counted`)
        self.total = 0
        self.shapes = 0
        # The report shown with the finished job.
        self.warnings: list[str] = []
        self.unknown_labels: Counter[str] = Counter()
        self.shapes_refused = 0
        self.refused_shapes: list[dict[str, Any]] = []
        self.losses: Counter[str] = Counter()

    def check_continue(self) -> None:
        if not self.should_continue():
            raise ImportStopped()

    def known_refs(self, session: Session, refs: list[str]) -> dict[str, int]:
        """Source references (S3 object, URL, sha256 of the bytes) this project imported before -> task."""
        if not refs:
            return {}
        imported = (ImportItem.project_id == self.project_id, ImportItem.state == "imported")
        if dialect_name(session) != "postgresql":
            query = select(ImportItem.source_ref, ImportItem.task_id).where(
                *imported, ImportItem.source_ref.in_(refs)
            )
        else:
            # One probe of the (project, source_ref) index per reference: a LATERAL subquery with LIMIT 1 stays
            # a nested loop whatever the statistics say. `source_ref = ANY(array)` was planned as a scan of all
            # the project's items filtered by the array while the statistics predated the project's rows (a
            # bulk import into a new project), so each chunk's lookup grew with the import: quadratic.
            wanted = (
                func.unnest(bindparam("refs", refs, type_=postgresql.ARRAY(String)))
                .table_valued("ref")
                .render_derived(name="wanted")
            )
            item = (
                select(ImportItem.task_id)
                .where(*imported, ImportItem.source_ref == wanted.c.ref)
                .limit(1)
                .lateral("item")
            )
            query = select(wanted.c.ref, item.c.task_id).select_from(wanted).join(item, true())
        return {ref: tid for ref, tid in session.execute(query) if ref and tid is not None}

    def record_progress(
        self, session: Session, states: Counter[str], **extra: Any
    ) -> tuple[int, int, int, int]:
        """Adds a chunk's ledger rows ({state: how many}) to the job's progress, in the chunk's transaction;
        returns the totals (imported, duplicates, refused, seen) to keep once it commits."""
        imported = self.imported + states["imported"]
        duplicates = self.duplicates + states["duplicate"]
        refused = self.refused + states["refused"]
        seen = self.seen + sum(states.values())
        session.execute(
            update(ImportJob)
            .where(ImportJob.id == self.job_id)
            .values(
                done=imported + duplicates + refused,
                total=max(self.total, seen),
                imported=imported,
                duplicates=duplicates,
                refused=refused,
                **extra,
            )
        )
        return imported, duplicates, refused, seen

    def start_counting(self) -> None:
        """Sets the job's progress to what its ledger holds (an earlier run's counts, or zero) before chunks
        add theirs with `add_progress`."""
        with self.db.session() as session:
            session.execute(
                update(ImportJob)
                .where(ImportJob.id == self.job_id)
                .values(
                    imported=self.imported,
                    duplicates=self.duplicates,
                    refused=self.refused,
                    done=self.imported + self.duplicates + self.refused,
                    shapes=self.shapes,
                )
            )

    def add_progress(self, session: Session, states: Counter[str], shapes: int) -> tuple[int, ...]:
        """`record_progress` for chunks written at once (`by_reference`): adds the chunk's counts to the job's
        row in its transaction, so they add up in whichever order the chunks commit (the row's lock orders
        them); returns the totals (imported, duplicates, refused, done, shapes) as of this chunk."""
        job = ImportJob.__table__.c
        n = sum(states.values())
        largest = func.greatest if dialect_name(session) == "postgresql" else func.max
        row = session.execute(
            update(ImportJob)
            .where(ImportJob.id == self.job_id)
            .values(
                imported=job.imported + states["imported"],
                duplicates=job.duplicates + states["duplicate"],
                refused=job.refused + states["refused"],
                done=job.done + n,
                total=largest(job.total, job.done + n, self.total),
                shapes=job.shapes + shapes,
            )
            .returning(job.imported, job.duplicates, job.refused, job.done, job.shapes)
        ).one()
        return tuple(row)

    def counted(
        self, imported: int, duplicates: int, refused: int, done: int, shapes: int, *, names: list[str]
    ) -> None:
        """After a chunk's commit: `add_progress`'s totals and the chunk's ledger names, kept here. Chunks
        written at once commit in any order: the larger totals are the later ones."""
        with self._lock:
            self.imported = max(self.imported, imported)
            self.duplicates = max(self.duplicates, duplicates)
            self.refused = max(self.refused, refused)
            self.seen = max(self.seen, done)
            self.shapes = max(self.shapes, shapes)
            self.done_names.update(names)

    def finish(self) -> None:
        with self.db.session() as session:
            job = session.get(ImportJob, self.job_id)
            assert job is not None
            refused = session.scalar(
                select(func.count())
                .select_from(ImportItem)
                .where(ImportItem.job_id == self.job_id, ImportItem.state == "refused")
            )
            job.state = JobState.FINISHED
            job.finished_at = utcnow()
            job.lease_until = None
            job.refused = int(refused or 0)
            job.duplicates = self.duplicates
            job.done = job.imported + job.duplicates + job.refused
            job.total = max(job.total, job.done, self.total)
            job.shapes = self.shapes
            job.report = {
                "unknown_labels": dict(self.unknown_labels.most_common(200)),
                "warnings": self.warnings[:100],
                "shapes_refused": self.shapes_refused,
                "refused_shapes": self.refused_shapes[:200],
                "losses": dict(self.losses),
            }
