"""Pre-label jobs: one prelabel-task.v1 message per task on the project's queue, published only after the
database commit; results (prelabel-result.v1) are stored idempotently per task + model version.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from labelhive_api.db.base import utcnow
from labelhive_api.db.engine import Database
from labelhive_api.errors import NotFound, ServiceUnavailable, Unprocessable
from labelhive_api.predictions import service as predictions
from labelhive_api.predictions.models import Prediction, PrelabelItem, PrelabelJob
from labelhive_api.settings import Settings
from labelhive_api.tasks.image_ref import image_ref
from labelhive_api.tasks.models import Task
from labelhive_api.webhooks.events import Event, emit

log = logging.getLogger("labelhive_api.prelabel")

CELERY_TASK = "labelhive.prelabel"
SHA256 = re.compile(r"^[0-9a-f]{64}$")
DLX = "labelhive.prelabel.dlx"
DELIVERY_LIMIT = 10  # contracts/README.md "Queue topology": the worker declares the same


def queue_arguments(queue: str) -> dict[str, Any]:
    """The pre-label queue's arguments, exactly as every declarer passes them (a quorum queue)."""
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": DELIVERY_LIMIT,
        "x-dead-letter-exchange": DLX,
        "x-dead-letter-routing-key": f"{queue}.dead",
    }


class JobNotFound(NotFound):
    code = "prelabel_job_not_found"
    title = "Pre-label job not found"


def create_job(
    session: Session,
    project_id: int,
    user_id: int | None,
    task_ids: Sequence[int],
    *,
    model: str,
    mode: str,
    options: dict[str, Any],
) -> PrelabelJob:
    found = list(session.scalars(select(Task.id).where(Task.project_id == project_id, Task.id.in_(task_ids))))
    missing = sorted(set(task_ids) - set(found))
    if missing:
        raise Unprocessable(
            f"unknown task ids in this project: {missing[:20]}", code="task_not_found", task_ids=missing[:100]
        )
    job = PrelabelJob(
        project_id=project_id, model=model, mode=mode, options=options, total=len(found), created_by=user_id
    )
    session.add(job)
    session.flush()
    session.add_all(PrelabelItem(job_id=job.id, task_id=tid) for tid in found)
    session.flush()
    return job


def build_message(
    job: PrelabelJob, task: Task, settings: Settings, predicted_boxes: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A prelabel-task.v1 object (contracts/prelabel-task.v1.schema.json)."""
    message: dict[str, Any] = {
        "version": 1,
        "job_id": str(job.id),
        "project_id": str(job.project_id),
        "task_id": str(task.id),
        "image": image_ref(task),
        "mode": job.mode,
        "model": job.model,
        "enqueued_at": utcnow().isoformat(),
    }
    for key in ("prompts", "auto", "exemplar", "output", "label_mapping", "label_parents"):
        if key in job.options:
            message[key] = job.options[key]
    if "prompts" not in message and "prompts" in (task.meta or {}):
        message["prompts"] = task.meta["prompts"]
    if "prompts" not in message and job.mode == "box" and predicted_boxes:
        # Refine imported / earlier boxes: each box prompt keeps its shape id and class.
        message["prompts"] = [
            {"id": b["id"], "class": b["label"], "box": {k: b[k] for k in ("x", "y", "w", "h")}}
            for b in predicted_boxes[:500]
        ]
    return message


def _latest_boxes(session: Session, task_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The bbox shapes of each task's newest prediction (box-mode prompts)."""
    boxes: dict[int, list[dict[str, Any]]] = {}
    rows = session.execute(
        select(Prediction.task_id, Prediction.result)
        .where(Prediction.task_id.in_(task_ids))
        .order_by(Prediction.task_id, Prediction.id.desc())
    )
    for task_id, result in rows:
        if task_id not in boxes:
            boxes[task_id] = [s for s in result if s.get("type") == "bbox" and s.get("w") and s.get("h")]
    return boxes


@dataclass
class Publisher:
    """Publishes Celery protocol-2 messages with kombu on the queue topology of contracts/README.md."""

    amqp_url: str
    queue: str

    def publish(self, messages: Sequence[dict[str, Any]]) -> None:
        from kombu import Connection, Exchange, Queue

        dlx = Exchange(DLX, type="direct", durable=True)
        dead = Queue(f"{self.queue}.dead", exchange=dlx, routing_key=f"{self.queue}.dead", durable=True)
        queue = Queue(
            self.queue,
            exchange=Exchange(""),
            routing_key=self.queue,
            durable=True,
            queue_arguments=queue_arguments(self.queue),
        )
        with Connection(self.amqp_url, connect_timeout=5) as conn:
            channel = conn.channel()
            dead.bind(channel).declare()
            queue.bind(channel).declare()
            producer = conn.Producer(channel)
            for msg in messages:
                task_id = f"{msg['job_id']}:{msg['task_id']}"
                body = [[msg], {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}]
                producer.publish(
                    json.dumps(body),
                    exchange="",
                    routing_key=self.queue,
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                    headers={
                        "lang": "py",
                        "task": CELERY_TASK,
                        "id": task_id,
                        "root_id": task_id,
                        "parent_id": None,
                        "group": None,
                        "shadow": None,
                        "eta": None,
                        "expires": None,
                        "retries": 0,
                        "timelimit": [None, None],
                        "argsrepr": repr((msg,))[:1024],
                        "kwargsrepr": "{}",
                        "origin": "labelhive-api",
                        "ignore_result": True,
                    },
                    correlation_id=task_id,
                    reply_to=str(uuid.uuid4()),
                    retry=True,
                    retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
                )


def publish_pending(db: Database, settings: Settings, job_id: int, limit: int = 100000) -> int:
    """After the commit: publish every still-queued item of the job, then mark them published."""
    if not settings.amqp_url:
        raise ServiceUnavailable(
            "no pre-label queue configured (LABELHIVE_AMQP_URL)", code="prelabel_unavailable"
        )
    with db.session() as session:
        job = session.get(PrelabelJob, job_id)
        if job is None:
            raise JobNotFound()
        rows = session.execute(
            select(PrelabelItem, Task)
            .join(Task, Task.id == PrelabelItem.task_id)
            .where(PrelabelItem.job_id == job_id, PrelabelItem.state == "queued")
            .limit(limit)
        ).all()
        # Items the worker could never process fail here, with a reason, instead of on the queue.
        ready = []
        for item, task in rows:
            if not SHA256.match(task.asset_sha256 or ""):
                item.state, item.error = "failed", "malformed_message: the task's image has no sha256"
                job.failed += 1
            else:
                ready.append(task)
        boxes = _latest_boxes(session, [t.id for t in ready]) if job.mode == "box" else {}
        messages = [build_message(job, task, settings, boxes.get(task.id)) for task in ready]
        task_ids = [task.id for task in ready]
        _finish_if_done(session, job)
    if not messages:
        return 0
    Publisher(settings.amqp_url, settings.prelabel_queue).publish(messages)
    with db.session() as session:
        session.execute(
            update(PrelabelItem)
            .where(
                PrelabelItem.job_id == job_id,
                PrelabelItem.task_id.in_(task_ids),
                PrelabelItem.state == "queued",
            )
            .values(state="published", attempts=PrelabelItem.attempts + 1)
        )
        session.execute(
            update(PrelabelJob)
            .where(PrelabelJob.id == job_id, PrelabelJob.state == "queued")
            .values(state="running")
        )
    return len(messages)


def _int_id(value: str, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Unprocessable(f"{what} {value!r} is not one of ours", code="invalid_result") from None


def receive_result(session: Session, result: dict[str, Any]) -> tuple[int | None, bool]:
    """Store one prelabel-result.v1; returns (prediction id, created). Idempotent per task + model version;
    job progress counts each (job, task) once."""
    job_id = _int_id(result["job_id"], "job_id")
    task_id = _int_id(result["task_id"], "task_id")
    project_id = _int_id(result["project_id"], "project_id")
    job = session.get(PrelabelJob, job_id, with_for_update=True)
    if job is None or job.project_id != project_id:
        raise JobNotFound()
    item = session.get(PrelabelItem, (job_id, task_id), with_for_update=True)
    task = session.get(Task, task_id)
    if item is None or task is None or task.project_id != project_id:
        raise NotFound("this task is not part of the job", code="task_not_found")
    prediction_id: int | None = None
    created = False
    if result.get("exemplar") and item.state != "done":
        job.report = merge_exemplar_report(job.report or {}, result["exemplar"])
    if result["status"] == "done":
        prediction, created = predictions.store(
            session, task, result["model_version"], result.get("shapes", []), job_id=job_id
        )
        prediction_id = prediction.id
        if item.state != "done":
            if item.state == "failed":
                job.failed -= 1
            job.done += 1
            item.state = "done"
            item.error = ""
    elif item.state not in ("done", "failed"):
        reason = result.get("reason") or {}
        item.state = "failed"
        item.error = f"{reason.get('code', 'unknown')}: {reason.get('message', '')}"[:2000]
        job.failed += 1
    _finish_if_done(session, job)
    session.flush()
    return prediction_id, created


def merge_exemplar_report(report: dict[str, Any], worker: dict[str, Any]) -> dict[str, Any]:
    """Job report += one item's exemplar report: shapes found per label, exemplars refused, labels skipped."""
    labels = {k: dict(v) for k, v in (report.get("labels") or {}).items()}
    for entry in worker.get("labels", []):
        mine = labels.setdefault(
            entry["label"], {"version": entry.get("version", 0), "found": 0, "refused": []}
        )
        mine["found"] = int(mine.get("found", 0)) + int(entry.get("found", 0))
        known = {(r.get("exemplar_id"), r["code"]) for r in mine.get("refused", [])}
        mine["refused"] = (
            list(mine.get("refused", []))
            + [r for r in entry.get("refused", []) if (r.get("exemplar_id"), r["code"]) not in known][:50]
        )
        if entry.get("skipped"):
            mine["skipped"] = entry["skipped"]
        mine["items"] = int(mine.get("items", 0)) + 1
    return {**report, "labels": labels}


def _finish_if_done(session: Session, job: PrelabelJob) -> None:
    if job.done + job.failed >= job.total and job.state != "finished":
        job.state = "finished"
        job.finished_at = utcnow()
        emit(
            session,
            job.project_id,
            Event.PRELABEL_FINISHED,
            {
                "job_id": job.id,
                "total": job.total,
                "done": job.done,
                "failed": job.failed,
                "model": job.model,
            },
        )


def publish_left_over(db: Database, settings: Settings, older_than: timedelta = timedelta(seconds=30)) -> int:
    """Items still queued a while after their job was created (the broker was down then, or the replica
    died between commit and publish) are published now; the job runner calls this every half minute, so
    nobody has to press "publish" after an outage. Stops at the first broker failure (next pass retries).
    Results are idempotent per task and model version, so a rare second publish costs work, not data."""
    if not settings.amqp_url:
        return 0
    with db.session() as session:
        job_ids = session.scalars(
            select(PrelabelItem.job_id)
            .join(PrelabelJob, PrelabelJob.id == PrelabelItem.job_id)
            .where(PrelabelItem.state == "queued", PrelabelJob.created_at < utcnow() - older_than)
            .distinct()
            .limit(20)
        ).all()
    published = 0
    for job_id in job_ids:
        try:
            published += publish_pending(db, settings, job_id)
        except Exception:
            log.warning("pre-label publish of job %s failed; retrying later", job_id, exc_info=True)
            break
    return published
