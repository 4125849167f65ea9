"""Reading a project's tasks and their chosen result in keyset pages (never the whole project)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from labelhive_api.annotations.models import Annotation
from labelhive_api.db.engine import Database
from labelhive_api.exports.options import ExportOptions
from labelhive_api.predictions.models import Prediction
from labelhive_api.tasks.models import Task

# Which annotation of a task is exported when several annotators labelled it.
_STATUS_RANK = {"accepted": 0, "submitted": 1, "rejected": 2, "rework": 2}


@dataclass
class TaskRow:
    id: int
    image: str
    asset_sha256: str | None
    filename: str
    width: int | None
    height: int | None
    state: str
    result: list[dict[str, Any]]


def _task_query(project_id: int, options: ExportOptions) -> Select[Any]:
    query = select(
        Task.id, Task.image, Task.asset_sha256, Task.filename, Task.width, Task.height, Task.state
    ).where(Task.project_id == project_id)
    if options.batch_ids:
        query = query.where(Task.batch_id.in_(options.batch_ids))
    if options.states:
        query = query.where(Task.state.in_(options.states))
    return query


def count_tasks(db: Database, project_id: int, options: ExportOptions) -> int:
    query = _task_query(project_id, options).with_only_columns(func.count())
    with db.reading() as session:
        return int(session.scalar(query) or 0)


def _results(session: Any, project_id: int, ids: list[int], source: str) -> dict[int, list[dict[str, Any]]]:
    chosen: dict[int, tuple[Any, list[dict[str, Any]]]] = {}
    if source == "predictions":
        rows = session.execute(
            select(Prediction.task_id, Prediction.result, Prediction.id).where(
                Prediction.project_id == project_id, Prediction.task_id.in_(ids)
            )
        )
        for task_id, result, pid in rows:
            if task_id not in chosen or pid > chosen[task_id][0]:
                chosen[task_id] = (pid, result)
    else:
        rows = session.execute(
            select(Annotation.task_id, Annotation.result, Annotation.status, Annotation.updated_at).where(
                Annotation.project_id == project_id, Annotation.task_id.in_(ids)
            )
        )
        for task_id, result, status, updated in rows:
            rank = (_STATUS_RANK.get(status, 3), -updated.timestamp() if updated else 0.0)
            if task_id not in chosen or rank < chosen[task_id][0]:
                chosen[task_id] = (rank, result)
    return {task_id: result for task_id, (_rank, result) in chosen.items()}


def prefetch_pages(pages: Iterator[list[TaskRow]], depth: int = 2) -> Iterator[list[TaskRow]]:
    """Reads the next pages in a background thread while the caller works on this one (no stalls)."""
    import queue
    import threading

    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                if stop.is_set():
                    return
                box.put(("page", page))
            box.put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            box.put(("error", exc))

    thread = threading.Thread(target=produce, name="export-pages", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = box.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        while thread.is_alive():
            try:
                box.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)


def iter_task_pages(
    db: Database, project_id: int, options: ExportOptions, page_size: int = 2000, after_id: int = 0
) -> Iterator[list[TaskRow]]:
    """Pages of tasks in id order, each read in its own short transaction."""
    base = _task_query(project_id, options)
    while True:
        with db.reading() as session:  # SQLite: a snapshot, no write lock
            tasks = session.execute(base.where(Task.id > after_id).order_by(Task.id).limit(page_size)).all()
            if not tasks:
                return
            results = _results(session, project_id, [t.id for t in tasks], options.source)
        yield [
            TaskRow(
                t.id, t.image, t.asset_sha256, t.filename, t.width, t.height, t.state, results.get(t.id) or []
            )
            for t in tasks
        ]
        after_id = tasks[-1].id
