"""Maintained counters: every change to tasks and annotations adjusts them in the same transaction."""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, Table, bindparam, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from labelhive_api.db.base import Base, utcnow
from labelhive_api.db.statements import (
    Write,
    bound,
    dialect_insert,
    dialect_name,
    execute_together,
    insert_for,
)
from labelhive_api.stats.models import AnnotatorCount, DailyCount, LabelCount, LeadTimeBucket, StateCount

# Lead-time histogram: bucket b holds times in [B**b, B**(b+1)) ms; ~10% resolution for the median.
BUCKET_BASE = 1.1


def upsert_statements(
    session: Session, model: type[Base], key_names: list[str], rows: list[dict[str, Any]]
) -> list[Executable]:
    """For each row, an upsert adding its increments to its counter row (created if missing); rows with
    nothing to add are left out. One statement per row, because single-row INSERTs are compiled once and
    cached, multi-row VALUES never are; `execute_together` still sends them in one round trip."""
    table = model.__table__
    out = []
    for row in rows:
        columns = [k for k, v in row.items() if k not in key_names and v]
        if not columns:
            continue
        # One row: the increments are the inserted values (`excluded` would cost an alias per statement).
        stmt = insert_for(session, table).values(row)
        out.append(
            stmt.on_conflict_do_update(
                index_elements=key_names, set_={k: table.c[k] + row[k] for k in columns}
            )
        )
    return out


def _add_to(
    dialect: str,
    prefix: str,
    table: Table,
    key_names: tuple[str, ...],
    names: tuple[str, ...],
    columns: tuple[str, ...],
) -> Executable:
    return (
        dialect_insert(dialect, table)
        .values({name: bound(prefix, table.c[name]) for name in names})
        .on_conflict_do_update(
            index_elements=list(key_names),
            set_={name: table.c[name] + bound(prefix, table.c[name]) for name in columns},
        )
    )


def upsert_writes(model: type[Base], key_names: tuple[str, ...], rows: list[dict[str, Any]]) -> list[Write]:
    """`upsert_statements` as `db.statements.Write`s: built once per shape, for `execute_writes`."""
    table: Table = model.__table__
    out = []
    for row in rows:
        columns = tuple(k for k, v in row.items() if k not in key_names and v)
        if columns:
            out.append(Write(_add_to, (table, key_names, tuple(row), columns), row))
    return out


def _upsert_rows(
    session: Session, model: type[Base], key_names: list[str], rows: list[dict[str, Any]]
) -> None:
    execute_together(session, upsert_statements(session, model, key_names, rows))


def _upsert(
    session: Session, model: type[Base], keys: Mapping[str, Any], increments: Mapping[str, int]
) -> None:
    increments = {k: v for k, v in increments.items() if v}
    if increments:
        _upsert_rows(session, model, list(keys), [{**keys, **increments}])


def task_states(session: Session, project_id: int, changes: Mapping[str, int]) -> None:
    """changes: {state: delta}, e.g. {"new": -1, "in_progress": +1}."""
    rows = [
        {"project_id": project_id, "state": state, "n": delta}
        for state, delta in sorted(changes.items())
        if delta
    ]
    _upsert_rows(session, StateCount, ["project_id", "state"], rows)


def move_task(session: Session, project_id: int, old: str, new: str) -> None:
    if old != new:
        # Counter rows are always updated in state order (as `task_states` does): no lock-order deadlocks.
        params = {"project_id": project_id, "first": min(old, new), "second": max(old, new)}
        for stmt in _move_statements(dialect_name(session), old < new):
            session.execute(stmt, params)


@functools.cache
def _move_statements(dialect: str, leaving_first: bool) -> tuple[Executable, ...]:
    """One task from one state to another, built once (the hot path of next task and release): a -1 and a
    +1 upsert, as one statement on PostgreSQL (two data-modifying CTEs, see `execute_together`)."""
    table = StateCount.__table__
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    deltas = (-1, 1) if leaving_first else (1, -1)
    upserts = [
        insert(table)
        .values(project_id=bindparam("project_id"), state=bindparam(name), n=delta)
        .on_conflict_do_update(index_elements=["project_id", "state"], set_={"n": table.c.n + delta})
        for name, delta in zip(("first", "second"), deltas, strict=True)
    ]
    if dialect != "postgresql":
        return tuple(upserts)
    return (select(literal(1)).add_cte(upserts[0].cte("w0")).add_cte(upserts[1].cte("w1")),)


def annotator(session: Session, project_id: int, user_id: int, **deltas: int) -> None:
    _upsert(session, AnnotatorCount, {"project_id": project_id, "user_id": user_id}, deltas)


def lead_time_bucket(ms: int) -> int:
    return 0 if ms < 1 else int(math.log(ms, BUCKET_BASE))


def lead_time(session: Session, project_id: int, user_id: int, ms: int) -> None:
    _upsert(
        session,
        LeadTimeBucket,
        {"project_id": project_id, "user_id": user_id, "bucket": lead_time_bucket(ms)},
        {"n": 1},
    )


def bucket_midpoint(bucket: int) -> float:
    return float(BUCKET_BASE**bucket * (1 + BUCKET_BASE) / 2)


def labels(session: Session, project_id: int, deltas: Mapping[str, int]) -> None:
    rows = [
        {"project_id": project_id, "label": label, "shapes": d} for label, d in sorted(deltas.items()) if d
    ]
    _upsert_rows(session, LabelCount, ["project_id", "label"], rows)


def label_delta(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    delta: Counter[str] = Counter(str(s.get("label")) for s in new)
    delta.subtract(Counter(str(s.get("label")) for s in old))
    return {k: v for k, v in delta.items() if v}


def daily(session: Session, project_id: int, when: datetime | None = None, **deltas: int) -> None:
    day = (when or utcnow()).strftime("%Y-%m-%d")
    _upsert(session, DailyCount, {"project_id": project_id, "day": day}, deltas)


class Changes:
    """Counter increments gathered during one write and applied together: `statements()` gives one upsert per
    counter table, for `db.statements.execute_together` (one round trip on PostgreSQL)."""

    def __init__(self, project_id: int, when: datetime | None = None) -> None:
        self.project_id = project_id
        self.day = (when or utcnow()).strftime("%Y-%m-%d")
        self._states: Counter[str] = Counter()
        self._annotators: dict[int, Counter[str]] = {}
        self._lead_times: Counter[tuple[int, int]] = Counter()
        self._labels: Counter[str] = Counter()
        self._daily: Counter[str] = Counter()

    def move_task(self, old: str, new: str) -> None:
        if old != new:
            self._states[old] -= 1
            self._states[new] += 1

    def add_tasks(self, states: Mapping[str, int]) -> None:
        """New tasks created straight in these states ({state: how many})."""
        self._states.update(states)

    def annotator(self, user_id: int, **deltas: int) -> None:
        self._annotators.setdefault(user_id, Counter()).update(deltas)

    def lead_time(self, user_id: int, ms: int) -> None:
        self._lead_times[(user_id, lead_time_bucket(ms))] += 1

    def labels(self, deltas: Mapping[str, int]) -> None:
        self._labels.update(deltas)

    def daily(self, **deltas: int) -> None:
        self._daily.update(deltas)

    def _rows(self) -> list[tuple[type[Base], tuple[str, ...], list[dict[str, Any]]]]:
        """Per counter table: its key columns and the rows of increments."""
        pid = self.project_id
        return [
            (
                StateCount,
                ("project_id", "state"),
                [{"project_id": pid, "state": k, "n": n} for k, n in sorted(self._states.items())],
            ),
            (
                AnnotatorCount,
                ("project_id", "user_id"),
                [
                    {
                        "project_id": pid,
                        "user_id": uid,
                        **{k: d[k] for k in ("submitted", "accepted", "rejected")},
                    }
                    for uid, d in sorted(self._annotators.items())
                ],
            ),
            (
                LeadTimeBucket,
                ("project_id", "user_id", "bucket"),
                [
                    {"project_id": pid, "user_id": uid, "bucket": b, "n": n}
                    for (uid, b), n in sorted(self._lead_times.items())
                ],
            ),
            (
                LabelCount,
                ("project_id", "label"),
                [{"project_id": pid, "label": k, "shapes": n} for k, n in sorted(self._labels.items())],
            ),
            (
                DailyCount,
                ("project_id", "day"),
                [
                    {
                        "project_id": pid,
                        "day": self.day,
                        **{k: self._daily[k] for k in ("submitted", "accepted", "rejected")},
                    }
                ],
            ),
        ]

    def statements(self, session: Session) -> list[Executable]:
        return [
            stmt
            for model, keys, rows in self._rows()
            for stmt in upsert_statements(session, model, list(keys), rows)
        ]

    def writes(self) -> list[Write]:
        """The same upserts as `statements`, as `Write`s for `db.statements.execute_writes`."""
        return [write for model, keys, rows in self._rows() for write in upsert_writes(model, keys, rows)]


def recount_task_states(session: Session, project_id: int) -> None:
    """Rebuild the state counters from the tasks table (after bulk loads outside the services)."""
    from sqlalchemy import delete

    from labelhive_api.tasks.models import Task

    session.execute(delete(StateCount).where(StateCount.project_id == project_id))
    rows = session.execute(
        select(Task.state, func.count()).where(Task.project_id == project_id).group_by(Task.state)
    ).all()
    for state, n in rows:
        session.add(StateCount(project_id=project_id, state=state, n=n))
    session.flush()
