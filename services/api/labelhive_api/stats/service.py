"""Project statistics read from the maintained counters: a handful of indexed rows, whatever the size."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from labelhive_api.accounts.models import User
from labelhive_api.db.base import utcnow
from labelhive_api.stats.counters import bucket_midpoint
from labelhive_api.stats.models import AnnotatorCount, DailyCount, LabelCount, LeadTimeBucket, StateCount
from labelhive_api.tasks.models import TaskState


def _median(buckets: list[tuple[int, int]]) -> float | None:
    total = sum(n for _b, n in buckets)
    if total <= 0:
        return None
    half, seen = total / 2, 0
    for bucket, n in sorted(buckets):
        seen += n
        if seen >= half:
            return round(bucket_midpoint(bucket))
    return None


_STATES = StateCount.__table__.c
_BUCKETS = LeadTimeBucket.__table__.c
_ANNOTATORS = AnnotatorCount.__table__.c
_USERS = User.__table__.c
_LABELS = LabelCount.__table__.c
_DAYS = DailyCount.__table__.c
_PROJECT: Any = bindparam("project_id")

# Built once, values bound per call, plain Core rows: this is polled.
_STATE_COUNTS = select(_STATES.state, _STATES.n).where(_STATES.project_id == _PROJECT)
_LEAD_TIMES = select(_BUCKETS.user_id, _BUCKETS.bucket, _BUCKETS.n).where(_BUCKETS.project_id == _PROJECT)
_ANNOTATOR_COUNTS = (
    select(
        _ANNOTATORS.user_id,
        _ANNOTATORS.submitted,
        _ANNOTATORS.accepted,
        _ANNOTATORS.rejected,
        _USERS.display_name,
    )
    .join(User.__table__, _USERS.id == _ANNOTATORS.user_id)
    .where(_ANNOTATORS.project_id == _PROJECT)
    .order_by(_ANNOTATORS.user_id)
)
_LABEL_COUNTS = (
    select(_LABELS.label, _LABELS.shapes)
    .where(_LABELS.project_id == _PROJECT, _LABELS.shapes != 0)
    .order_by(_LABELS.shapes.desc())
)
_DAILY = (
    select(_DAYS.day, _DAYS.submitted, _DAYS.accepted, _DAYS.rejected)
    .where(_DAYS.project_id == _PROJECT, _DAYS.day >= bindparam("since"))
    .order_by(_DAYS.day)
)


def project_stats(session: Session, project_id: int, days: int = 30) -> dict[str, Any]:
    run = session.connection().execute
    params = {"project_id": project_id, "since": (utcnow() - timedelta(days=days - 1)).strftime("%Y-%m-%d")}
    states = {s.value: 0 for s in TaskState}
    for state, n in run(_STATE_COUNTS, params).all():
        states[state] = int(n)
    histograms: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for user_id, bucket, n in run(_LEAD_TIMES, params).all():
        histograms[user_id].append((bucket, int(n)))
    annotators = []
    for user_id, submitted, accepted, rejected, display_name in run(_ANNOTATOR_COUNTS, params).all():
        reviewed = accepted + rejected
        annotators.append(
            {
                "user_id": user_id,
                "display_name": display_name,
                "done": int(submitted),
                "accepted": int(accepted),
                "rejected": int(rejected),
                "accepted_rate": round(accepted / reviewed, 4) if reviewed else None,
                "median_lead_time_ms": _median(histograms.get(user_id, [])),
            }
        )
    labels = [{"label": label, "shapes": int(n)} for label, n in run(_LABEL_COUNTS, params).all()]
    throughput = [
        {"day": day, "submitted": int(submitted), "accepted": int(accepted), "rejected": int(rejected)}
        for day, submitted, accepted, rejected in run(_DAILY, params).all()
    ]
    return {
        "tasks": {"by_state": states, "total": sum(states.values())},
        "annotators": annotators,
        "labels": labels,
        "throughput": throughput,
    }
