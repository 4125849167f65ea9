"""Set-based writes of many tasks and their pre-labels (predictions, or the importer's annotations).

The rows are the ones the interactive calls write (`predictions.service.store`, `annotations.service.create`):
prediction; annotation with its first history row; the task label index; the task's state, slots and
`has_prediction`; statistics counters; webhook deliveries. Here each kind of row goes in as one multi-row
statement per chunk, and the counters move once per chunk by deltas summed in memory.

Shapes are checked in memory per task first: a task whose shapes are refused is reported with the reason and
nothing of it is written; the chunk's other tasks are. A prediction already stored for the task and model
version, or an annotation the user already has on the task, is left as it is (a resumed import adds nothing).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from labelhive_api.annotations.models import Annotation, AnnotationStatus, AnnotationVersion, Draft
from labelhive_api.annotations.service import derive_task_state
from labelhive_api.annotations.shapes import validate_result
from labelhive_api.db.base import utcnow
from labelhive_api.db.copy import Encoded, copy_rows, new_ids
from labelhive_api.db.statements import dialect_name, insert_for
from labelhive_api.errors import AppError
from labelhive_api.predictions.models import Prediction
from labelhive_api.projects.models import Project
from labelhive_api.projects.service import labels_by_value
from labelhive_api.stats import counters
from labelhive_api.tasks.models import Task, TaskLabel, TaskState
from labelhive_api.tasks.schemas import TaskIn
from labelhive_api.tasks.service import task_row
from labelhive_api.webhooks.events import Event, emit_many

SUBMITTED = AnnotationStatus.SUBMITTED.value
TASK = Task.__table__
PREDICTION = Prediction.__table__
ANNOTATION = Annotation.__table__


@dataclass
class PredictionIn:
    model_version: str
    result: list[Any]
    score: float | None = None


@dataclass
class Entry:
    """One task's pre-labels, on an existing task (`task_id`) or on a task this chunk creates (`new_task`,
    as `tasks.service.add_tasks` takes it). `name` says which input it was in error reports."""

    name: str
    task_id: int | None = None
    new_task: Mapping[str, Any] | None = None
    predictions: list[PredictionIn] = field(default_factory=list)
    annotations: list[list[Any]] = field(default_factory=list)


@dataclass
class Outcome:
    task_id: int | None
    shapes: int = 0  # shapes the task carries from this entry, written now or by an earlier run
    error: str | None = None  # why nothing of the entry was written
    code: str = ""


@dataclass
class _TaskNow:
    state: str
    slots_taken: int
    has_prediction: bool
    width: int | None
    height: int | None
    statuses: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    entry: Entry
    task: _TaskNow
    predictions: list[tuple[PredictionIn, list[dict[str, Any]]]] = field(default_factory=list)
    annotation: list[dict[str, Any]] | None = None
    shapes: int = 0
    final: tuple[str, int, bool] | None = None  # the task's state, slots taken, has_prediction afterwards
    # Worked out before the write transaction (`BulkWriter.prepare`): JSON encodings, the new task's row.
    encoded: list[Encoded] | None = None
    encoded_annotation: Encoded | None = None
    row: dict[str, Any] | None = None
    # Ids drawn ahead (`BulkWriter.reserve_ids`) for the task it creates and its annotation.
    task_id: int | None = None
    annotation_id: int | None = None


def insert_dicts(
    session: Session,
    table: Any,
    rows: list[dict[str, Any]],
    *,
    with_ids: bool = False,
    reserved: Sequence[int | None] = (),
) -> list[int]:
    """Rows (dicts with the same keys) into `table` by COPY / executemany; with ids when asked: `reserved`
    ones (drawn before, one per row) where given, new ones for the rest."""
    if not rows:
        return []
    ids: list[int] = []
    if with_ids:
        given = list(reserved) if len(reserved) == len(rows) else [None] * len(rows)
        drawn = iter(new_ids(session, table, given.count(None)))
        ids = [value if value is not None else next(drawn) for value in given]
    columns = list(rows[0])
    pick = itemgetter(*columns)
    values = [pick(row) for row in rows] if len(columns) > 1 else [(pick(row),) for row in rows]
    if with_ids:
        columns.append("id")
        values = [(*v, i) for v, i in zip(values, ids, strict=True)]
    copy_rows(session, table, columns, values)
    return ids


def entry_for(name: str, task: TaskIn) -> Entry:
    """A new task by reference with its pre-labels, from the API's (or an import file's) task body. A task
    that names no batch goes into the import's (`BulkWriter.batch_id`), if any."""
    new_task = {
        "image": task.image,
        "filename": task.filename,
        "width": task.width,
        "height": task.height,
        "asset_sha256": task.asset_sha256,
        "meta": task.meta,
    }
    if task.batch_id is not None:
        new_task["batch_id"] = task.batch_id
    return Entry(
        name,
        new_task=new_task,
        predictions=[PredictionIn(p.model_version, p.result, p.score) for p in task.predictions],
        annotations=[a.result for a in task.annotations],
    )


class Refused(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


class BulkWriter:
    """Writes chunks of entries for one project; annotations are authored by `user_id`."""

    def __init__(self, project: Project, user_id: int | None, batch_id: int | None = None) -> None:
        self.project = project
        self.project_id = project.id
        self.user_id = user_id
        self.batch_id = batch_id
        self._states: dict[tuple[int, tuple[str, ...]], str] = {}

    def prepare(
        self, entries: Sequence[Entry], labels: Mapping[str, dict[str, Any]]
    ) -> list[_Plan | Refused | None]:
        """The in-memory part of `write` for entries that create their task (checked shapes, JSON encoded,
        the task's row), done before the write transaction, e.g. while the previous chunk is written. Entries
        on existing tasks get None: they are planned in the transaction, against what is there."""
        out: list[_Plan | Refused | None] = []
        taken: set[tuple[int, str]] = set()
        for entry in entries:
            if entry.task_id is not None:
                out.append(None)
                continue
            try:
                plan = self._plan(entry, {}, set(), set(), taken, labels)
            except Refused as refused:
                out.append(refused)
                continue
            self._encode(plan)
            out.append(plan)
        return out

    def reserve_ids(self, session: Session, prepared: Sequence[_Plan | Refused | None]) -> None:
        """Draws the ids of the tasks and annotations that `prepare`d entries would create, in a session of
        their own, so the write transaction does not (sequences are outside transactions: an id drawn and
        not used, e.g. for an image found imported before, is a gap, as a rolled-back insert leaves). PostgreSQL
        only: SQLite's ids are drawn under its write lock."""
        if dialect_name(session) != "postgresql":
            return
        plans = [p for p in prepared if isinstance(p, _Plan) and p.task_id is None]
        for plan, task_id in zip(plans, new_ids(session, TASK, len(plans)), strict=True):
            plan.task_id = task_id
        annotated = [p for p in plans if p.annotation is not None]
        for plan, annotation_id in zip(annotated, new_ids(session, ANNOTATION, len(annotated)), strict=True):
            plan.annotation_id = annotation_id

    def write(
        self,
        session: Session,
        entries: Sequence[Entry],
        prepared: Sequence[_Plan | Refused | None] | None = None,
        then: Callable[[list[Outcome]], None] | None = None,
    ) -> list[Outcome]:
        """Writes the entries in the session's transaction (the caller commits); one outcome per entry.
        `prepared`: `prepare`'s answer for the same entries (used for those still creating their task).
        `then(outcomes)` runs before the statistics counters move: their rows are the same for every write
        to the project and stay locked until the commit, so what comes after them waits for other writers."""
        now = utcnow()
        planned_before = prepared or [None] * len(entries)
        need_labels = any(
            e.annotations and (p is None or e.task_id is not None)
            for e, p in zip(entries, planned_before, strict=True)
        )
        labels = labels_by_value(session, self.project) if need_labels else {}
        existing = self._existing_tasks(session, [e.task_id for e in entries if e.task_id is not None])
        have_predictions, have_annotation = self._existing_prelabels(session, list(existing))
        outcomes: list[Outcome] = []
        plans: list[_Plan | None] = []
        taken: set[tuple[int, str]] = set()
        for entry, before in zip(entries, planned_before, strict=True):
            try:
                if before is not None and entry.task_id is None:
                    if isinstance(before, Refused):
                        raise before
                    plan = before
                else:
                    plan = self._plan(entry, existing, have_predictions, have_annotation, taken, labels)
            except Refused as refused:
                outcomes.append(Outcome(entry.task_id, error=refused.detail, code=refused.code))
                plans.append(None)
                continue
            outcomes.append(Outcome(entry.task_id, shapes=plan.shapes))
            plans.append(plan)
        live = [p for p in plans if p is not None]
        changes = counters.Changes(self.project_id, now)
        new_ids = self._insert_new_tasks(session, [p for p in live if p.entry.task_id is None], now, changes)
        ids: list[int] = []
        it = iter(new_ids)
        for outcome, planned in zip(outcomes, plans, strict=True):
            if planned is None:
                continue
            task_id = planned.entry.task_id if planned.entry.task_id is not None else next(it)
            outcome.task_id = task_id
            ids.append(task_id)
        self._write_prelabels(session, live, ids, now, changes)
        if then is not None:
            then(outcomes)
        for stmt in changes.statements(session):
            session.execute(stmt)
        return outcomes

    # -- reading what is there ----------------------------------------------------------------------

    def _existing_tasks(self, session: Session, task_ids: list[int]) -> dict[int, _TaskNow]:
        if not task_ids:
            return {}
        query = (
            select(Task.id, Task.state, Task.slots_taken, Task.has_prediction, Task.width, Task.height)
            .where(Task.id.in_(sorted(set(task_ids))), Task.project_id == self.project_id)
            .order_by(Task.id)
        )
        if dialect_name(session) == "postgresql":
            query = query.with_for_update()  # serialises with interactive writes to these tasks
        found = {
            row.id: _TaskNow(row.state, row.slots_taken, row.has_prediction, row.width, row.height)
            for row in session.execute(query)
        }
        for task_id, status in session.execute(
            select(Annotation.task_id, Annotation.status).where(Annotation.task_id.in_(list(found)))
        ):
            found[task_id].statuses.append(status)
        return found

    def _existing_prelabels(
        self, session: Session, task_ids: list[int]
    ) -> tuple[set[tuple[int, str]], set[int]]:
        if not task_ids:
            return set(), set()
        predictions = {
            (row.task_id, row.model_version)
            for row in session.execute(
                select(Prediction.task_id, Prediction.model_version).where(Prediction.task_id.in_(task_ids))
            )
        }
        annotated: set[int] = set()
        if self.user_id is not None:
            annotated = set(
                session.scalars(
                    select(Annotation.task_id).where(
                        Annotation.task_id.in_(task_ids), Annotation.user_id == self.user_id
                    )
                )
            )
        return predictions, annotated

    # -- checking in memory -------------------------------------------------------------------------

    def _plan(
        self,
        entry: Entry,
        existing: dict[int, _TaskNow],
        have_predictions: set[tuple[int, str]],
        have_annotation: set[int],
        taken: set[tuple[int, str]],
        labels: Mapping[str, dict[str, Any]],
    ) -> _Plan:
        if entry.task_id is not None:
            task = existing.get(entry.task_id)
            if task is None:
                raise Refused("task_not_found", f"{entry.name}: no task {entry.task_id} in this project")
        else:
            row = entry.new_task or {}
            task = _TaskNow(TaskState.NEW.value, 0, False, row.get("width"), row.get("height"))
        plan = _Plan(entry, task)
        try:
            for prediction in entry.predictions:
                key = (entry.task_id or -id(entry), prediction.model_version)
                if key in have_predictions or key in taken:  # stored before: idempotent per model version
                    plan.shapes += len(prediction.result)
                    continue
                taken.add(key)
                shapes = validate_result(prediction.result, None, task.width, task.height)
                plan.predictions.append((prediction, shapes))
                plan.shapes += len(shapes)
            if len(entry.annotations) > 1:
                raise Refused(
                    "too_many_annotations",
                    f"{entry.name}: {len(entry.annotations)} annotations; an import adds one per task "
                    "(the importing user's)",
                )
            if entry.annotations:
                result = entry.annotations[0]
                if self.user_id is None:
                    raise Refused("no_annotator", f"{entry.name}: annotations need an importing user")
                if entry.task_id is not None and entry.task_id in have_annotation:
                    plan.shapes += len(result)  # the user's annotation is there already (an earlier run)
                else:
                    if not labels:
                        raise Refused("no_label_schema", f"{entry.name}: the project has no label schema yet")
                    shapes = validate_result(result, labels, task.width, task.height)
                    if task.slots_taken >= self.project.overlap:
                        raise Refused("task_full", f"{entry.name}: the task has all the annotations it takes")
                    plan.annotation = shapes
                    plan.shapes += len(shapes)
        except AppError as exc:
            raise Refused(exc.code, f"{entry.name}: {exc.detail}") from None
        return plan

    # -- writing ------------------------------------------------------------------------------------

    def _encode(self, plan: _Plan) -> None:
        if plan.encoded is None:
            plan.encoded = [Encoded.of(shapes) for _prediction, shapes in plan.predictions]
            if plan.annotation is not None:
                plan.encoded_annotation = Encoded.of(plan.annotation)  # for the history row too
        if plan.row is None and plan.entry.task_id is None:
            state, slots, has_prediction = self._final_task(plan)
            plan.row = task_row(self.project_id, plan.entry.new_task or {}, self.batch_id)
            plan.row.update(state=state, slots_taken=slots, has_prediction=has_prediction)

    def _final_task(self, plan: _Plan) -> tuple[str, int, bool]:
        if plan.final is not None:
            return plan.final
        task = plan.task
        slots, state = task.slots_taken, task.state
        if plan.annotation is not None:
            slots += 1
            statuses = (*task.statuses, SUBMITTED)
            key = (slots, statuses)
            if key not in self._states:  # nearly every task of a chunk shares one answer
                self._states[key] = derive_task_state(self.project, slots, list(statuses))
            state = self._states[key]
        plan.final = (state, slots, task.has_prediction or bool(plan.predictions))
        return plan.final

    def _insert_new_tasks(
        self, session: Session, plans: list[_Plan], now: datetime, changes: counters.Changes
    ) -> list[int]:
        if not plans:
            return []
        rows = []
        for plan in plans:
            self._encode(plan)
            assert plan.row is not None
            rows.append({**plan.row, "created_at": now, "updated_at": now})
        ids = insert_dicts(session, TASK, rows, with_ids=True, reserved=[p.task_id for p in plans])
        changes.add_tasks(Counter(row["state"] for row in rows))
        return ids

    def _write_prelabels(
        self, session: Session, plans: list[_Plan], ids: list[int], now: datetime, changes: counters.Changes
    ) -> None:
        pid, uid = self.project_id, self.user_id
        prediction_rows: list[dict[str, Any]] = []
        annotation_rows: list[dict[str, Any]] = []
        annotated: list[tuple[int, _Plan, str]] = []
        task_updates: list[dict[str, Any]] = []
        label_rows: list[dict[str, Any]] = []
        for plan, task_id in zip(plans, ids, strict=True):
            self._encode(plan)
            assert plan.encoded is not None
            for (prediction, _shapes), encoded in zip(plan.predictions, plan.encoded, strict=True):
                prediction_rows.append(
                    {
                        "project_id": pid,
                        "task_id": task_id,
                        "model_version": prediction.model_version,
                        "result": encoded,
                        "score": prediction.score,
                        "job_id": None,
                        "created_at": now,
                    }
                )
            state, slots, has_prediction = self._final_task(plan)
            if plan.annotation is not None:
                annotation_rows.append(
                    {
                        "project_id": pid,
                        "task_id": task_id,
                        "user_id": uid,
                        "status": SUBMITTED,
                        "version": 1,
                        "result": plan.encoded_annotation,
                        "lead_time_ms": 0,
                        "schema_version": self.project.label_schema_version,
                        "prediction_id": None,
                        "updated_by": uid,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                annotated.append((task_id, plan, state))
                label_rows.extend(
                    {"task_id": task_id, "label": label, "project_id": pid}
                    for label in sorted({str(s["label"]) for s in plan.annotation})
                )
            if plan.entry.task_id is None:
                continue  # inserted with its final values
            task = plan.task
            if (state, slots, has_prediction) != (task.state, task.slots_taken, task.has_prediction):
                task_updates.append(
                    {
                        "b_id": task_id,
                        "b_state": state,
                        "b_slots": slots,
                        "b_pred": has_prediction,
                        "b_at": now,
                    }
                )
                changes.move_task(task.state, state)
        if prediction_rows:
            insert_dicts(session, PREDICTION, prediction_rows)
        if annotation_rows:
            self._write_annotations(session, annotation_rows, annotated, label_rows, changes, now)
        if task_updates:
            session.execute(
                update(TASK)
                .where(TASK.c.id == bindparam("b_id"))
                .values(
                    state=bindparam("b_state"),
                    slots_taken=bindparam("b_slots"),
                    has_prediction=bindparam("b_pred"),
                    updated_at=bindparam("b_at"),
                ),
                task_updates,
            )

    def _write_annotations(
        self,
        session: Session,
        rows: list[dict[str, Any]],
        annotated: list[tuple[int, _Plan, str]],
        label_rows: list[dict[str, Any]],
        changes: counters.Changes,
        now: datetime,
    ) -> None:
        uid = self.user_id
        assert uid is not None
        ann_ids = insert_dicts(
            session,
            ANNOTATION,
            rows,
            with_ids=True,
            reserved=[plan.annotation_id for _, plan, _ in annotated],
        )
        insert_dicts(
            session,
            AnnotationVersion.__table__,
            [
                {
                    "annotation_id": ann_id,
                    "version": 1,
                    "status": row["status"],
                    "result": row["result"],
                    "lead_time_ms": 0,
                    "author_id": uid,
                    "reason": "submit",
                    "created_at": now,
                }
                for ann_id, row in zip(ann_ids, rows, strict=True)
            ],
        )
        on_existing = [task_id for task_id, plan, _ in annotated if plan.entry.task_id is not None]
        if on_existing:
            session.execute(delete(Draft).where(Draft.user_id == uid, Draft.task_id.in_(on_existing)))
        fresh = {task_id for task_id, plan, _ in annotated if plan.entry.task_id is None}
        # New tasks have no label rows yet; existing ones may (another annotator's), so those upsert.
        insert_dicts(session, TaskLabel.__table__, [r for r in label_rows if r["task_id"] in fresh])
        known = [r for r in label_rows if r["task_id"] not in fresh]
        if known:
            session.execute(insert_for(session, TaskLabel.__table__).on_conflict_do_nothing(), known)
        label_counts: Counter[str] = Counter()
        for _task_id, plan, _state in annotated:
            label_counts.update(str(shape.get("label")) for shape in plan.annotation or [])
            changes.lead_time(uid, 0)
        changes.annotator(uid, submitted=len(rows))
        changes.labels(label_counts)
        changes.daily(submitted=len(rows))
        emit_many(
            session,
            self.project_id,
            Event.TASK_SUBMITTED,
            [
                {
                    "task_id": task_id,
                    "annotation_id": ann_id,
                    "version": 1,
                    "user_id": uid,
                    "task_state": state,
                }
                for (task_id, _plan, state), ann_id in zip(annotated, ann_ids, strict=True)
            ],
        )
