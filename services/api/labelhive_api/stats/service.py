"""Project statistics read from the maintained counters: a handful of indexed rows, whatever the size."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import select
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


def project_stats(session: Session, project_id: int, days: int = 30) -> dict[str, Any]:
    states = {s.value: 0 for s in TaskState}
    for state, n in session.execute(
        select(StateCount.state, StateCount.n).where(StateCount.project_id == project_id)
    ):
        states[state] = int(n)
    histograms: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for user_id, bucket, n in session.execute(
        select(LeadTimeBucket.user_id, LeadTimeBucket.bucket, LeadTimeBucket.n).where(
            LeadTimeBucket.project_id == project_id
        )
    ):
        histograms[user_id].append((bucket, int(n)))
    annotators = []
    # Plain rows, not ORM objects: a project may have hundreds of annotators and this is polled.
    for row in session.execute(
        select(
            AnnotatorCount.user_id,
            AnnotatorCount.submitted,
            AnnotatorCount.accepted,
            AnnotatorCount.rejected,
            User.display_name,
        )
        .join(User, User.id == AnnotatorCount.user_id)
        .where(AnnotatorCount.project_id == project_id)
        .order_by(AnnotatorCount.user_id)
    ):
        reviewed = row.accepted + row.rejected
        annotators.append(
            {
                "user_id": row.user_id,
                "display_name": row.display_name,
                "done": int(row.submitted),
                "accepted": int(row.accepted),
                "rejected": int(row.rejected),
                "accepted_rate": round(row.accepted / reviewed, 4) if reviewed else None,
                "median_lead_time_ms": _median(histograms.get(row.user_id, [])),
            }
        )
    labels = [
        {"label": label, "shapes": int(n)}
        for label, n in session.execute(
            select(LabelCount.label, LabelCount.shapes)
            .where(LabelCount.project_id == project_id, LabelCount.shapes != 0)
            .order_by(LabelCount.shapes.desc())
        )
    ]
    since = (utcnow() - timedelta(days=days - 1)).strftime("%Y-%m-%d")
    throughput = [
        {
            "day": d.day,
            "submitted": int(d.submitted),
            "accepted": int(d.accepted),
            "rejected": int(d.rejected),
        }
        for d in session.execute(
            select(DailyCount.day, DailyCount.submitted, DailyCount.accepted, DailyCount.rejected)
            .where(DailyCount.project_id == project_id, DailyCount.day >= since)
            .order_by(DailyCount.day)
        )
    ]
    return {
        "tasks": {"by_state": states, "total": sum(states.values())},
        "annotators": annotators,
        "labels": labels,
        "throughput": throughput,
    }
