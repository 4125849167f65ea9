"""Maintained counters: every change to tasks and annotations adjusts them in the same transaction."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from labelhive_api.db.base import Base, utcnow
from labelhive_api.stats.models import AnnotatorCount, DailyCount, LabelCount, LeadTimeBucket, StateCount

# Lead-time histogram: bucket b holds times in [B**b, B**(b+1)) ms; ~10% resolution for the median.
BUCKET_BASE = 1.1


def _upsert_rows(
    session: Session, model: type[Base], key_names: list[str], rows: list[dict[str, Any]]
) -> None:
    """Add each row's increments to its counter row, creating it if missing: one statement for all rows."""
    rows = [r for r in rows if any(v for k, v in r.items() if k not in key_names)]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__
    columns = [k for k in rows[0] if k not in key_names]
    stmt = insert(table).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=key_names,
        set_={k: table.c[k] + stmt.excluded[k] for k in columns},
    )
    session.execute(stmt)


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
        task_states(session, project_id, {old: -1, new: 1})


def annotator(session: Session, project_id: int, user_id: int, **deltas: int) -> None:
    _upsert(session, AnnotatorCount, {"project_id": project_id, "user_id": user_id}, deltas)


def lead_time(session: Session, project_id: int, user_id: int, ms: int) -> None:
    bucket = 0 if ms < 1 else int(math.log(ms, BUCKET_BASE))
    _upsert(
        session, LeadTimeBucket, {"project_id": project_id, "user_id": user_id, "bucket": bucket}, {"n": 1}
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
