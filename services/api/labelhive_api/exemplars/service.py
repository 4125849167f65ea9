"""Marking shapes as exemplars, unmarking them, reading a set at any version, and the exemplar section of a
pre-label message (contracts/prelabel-task.v1.schema.json#/$defs/exemplar)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from labelhive_api.annotations.models import Annotation
from labelhive_api.db.base import utcnow
from labelhive_api.errors import Conflict, NotFound, Unprocessable
from labelhive_api.exemplars.models import Exemplar, ExemplarSet
from labelhive_api.projects.models import Project
from labelhive_api.projects.service import labels_by_value
from labelhive_api.storage.config import Storage
from labelhive_api.storage.keys import asset_key
from labelhive_api.tasks.image_ref import image_ref
from labelhive_api.tasks.models import Task

log = logging.getLogger("labelhive_api.exemplars")

# The worker's model sees the image with its longest side at 1024 px, in 16 x 16 px feature cells; an
# exemplar needs 16 cells to carry a feature (contracts: exemplar_too_small). Both sides check it.
MODEL_INPUT_SIDE = 1024
MIN_EXEMPLAR_INPUT_AREA = 16 * 16 * 16
THUMBNAIL_SIDE = 160


class ExemplarNotFound(NotFound):
    code = "exemplar_not_found"
    title = "Exemplar not found"


def shape_area(shape: dict[str, Any]) -> float:
    if shape["type"] == "bbox":
        return float(shape["w"]) * float(shape["h"])
    pts = shape["points"]
    twice = sum(pts[i][0] * pts[i - 1][1] - pts[i - 1][0] * pts[i][1] for i in range(len(pts)))
    return abs(twice) / 2.0


def shape_bounds(shape: dict[str, Any]) -> tuple[float, float, float, float]:
    if shape["type"] == "bbox":
        return shape["x"], shape["y"], shape["x"] + shape["w"], shape["y"] + shape["h"]
    xs, ys = [p[0] for p in shape["points"]], [p[1] for p in shape["points"]]
    return min(xs), min(ys), max(xs), max(ys)


def check_usable(task: Task, shape: dict[str, Any]) -> None:
    """The checks the worker would refuse with, made when the exemplar is marked (422 with a code)."""
    if shape.get("type") not in ("polygon", "bbox"):
        raise Unprocessable(
            f"only polygons and boxes can be exemplars, not {shape.get('type')!r}",
            code="exemplar_invalid_shape",
        )
    if not (task.asset_sha256 and len(task.asset_sha256) == 64):
        raise Unprocessable(
            "this task's image is not stored by LabelHive (no sha256), so no embedding can be computed for it",
            code="exemplar_image_unusable",
        )
    if task.width and task.height:
        scale = MODEL_INPUT_SIDE / max(task.width, task.height)
        area = shape_area(shape) * scale * scale
        if area < MIN_EXEMPLAR_INPUT_AREA:
            need = (MIN_EXEMPLAR_INPUT_AREA**0.5) / scale
            raise Unprocessable(
                f"the shape is too small to carry a feature: it needs about {need:.0f} x {need:.0f} pixels "
                f"of this {task.width}x{task.height} image",
                code="exemplar_too_small",
                min_side_px=round(need),
            )


def get_set(session: Session, project_id: int, label: str, *, create: bool = False) -> ExemplarSet | None:
    found = session.scalar(
        select(ExemplarSet).where(ExemplarSet.project_id == project_id, ExemplarSet.label == label)
    )
    if found is None and create:
        found = ExemplarSet(project_id=project_id, label=label, version=0)
        session.add(found)
        session.flush()
    return found


def members(session: Session, exemplar_set: ExemplarSet, version: int | None = None) -> list[Exemplar]:
    """The set's exemplars at a version (default: the current one)."""
    v = exemplar_set.version if version is None else version
    return list(
        session.scalars(
            select(Exemplar)
            .where(
                Exemplar.set_id == exemplar_set.id,
                Exemplar.added_in <= v,
                or_(Exemplar.removed_in.is_(None), Exemplar.removed_in > v),
            )
            .order_by(Exemplar.id)
        )
    )


def add(
    session: Session,
    storage: Storage | None,
    project: Project,
    user_id: int,
    label: str,
    task_id: int,
    annotation_id: int,
    shape_id: str,
) -> tuple[Exemplar, ExemplarSet]:
    if label not in labels_by_value(session, project):
        raise Unprocessable(f"label {label!r} is not in the project's label schema", code="label_unknown")
    task = session.get(Task, task_id)
    if task is None or task.project_id != project.id:
        raise NotFound("task not found", code="task_not_found")
    annotation = session.get(Annotation, annotation_id)
    if annotation is None or annotation.task_id != task.id:
        raise NotFound("this task has no such annotation", code="annotation_not_found")
    shape = next((s for s in annotation.result if s.get("id") == shape_id), None)
    if shape is None:
        raise NotFound(f"the annotation has no shape {shape_id!r}", code="shape_not_found")
    if shape.get("label") != label:
        raise Unprocessable(
            f"the shape is labelled {shape.get('label')!r}, not {label!r}", code="exemplar_label_mismatch"
        )
    check_usable(task, shape)
    exemplar_set = get_set(session, project.id, label, create=True)
    assert exemplar_set is not None
    for current in members(session, exemplar_set):
        if current.task_id == task.id and current.shape == _geometry(shape):
            raise Conflict("this shape already is an exemplar of the label", code="exemplar_duplicate")
    exemplar_set.version += 1
    exemplar_set.updated_by, exemplar_set.updated_at = user_id, utcnow()
    exemplar = Exemplar(
        set_id=exemplar_set.id,
        project_id=project.id,
        task_id=task.id,
        annotation_id=annotation.id,
        shape_id=shape_id,
        shape=_geometry(shape),
        added_in=exemplar_set.version,
        created_by=user_id,
    )
    session.add(exemplar)
    session.flush()
    if storage is not None:
        exemplar.thumbnail_key = _store_thumbnail(storage, task, exemplar)
    return exemplar, exemplar_set


def remove(session: Session, project_id: int, exemplar_id: int, user_id: int) -> ExemplarSet:
    exemplar = session.get(Exemplar, exemplar_id)
    if exemplar is None or exemplar.project_id != project_id or exemplar.removed_in is not None:
        raise ExemplarNotFound()
    exemplar_set = session.get(ExemplarSet, exemplar.set_id, with_for_update=True)
    assert exemplar_set is not None
    exemplar_set.version += 1
    exemplar_set.updated_by, exemplar_set.updated_at = user_id, utcnow()
    exemplar.removed_in = exemplar_set.version
    return exemplar_set


def _geometry(shape: dict[str, Any]) -> dict[str, Any]:
    keys = ("type", "points") if shape["type"] == "polygon" else ("type", "x", "y", "w", "h")
    return {k: shape[k] for k in keys}


def _store_thumbnail(storage: Storage, task: Task, exemplar: Exemplar) -> str | None:
    """A small crop around the shape with its outline, kept in the target bucket (None if unreadable)."""
    from PIL import Image, ImageDraw

    try:
        data = storage.source.get(asset_key(task.asset_sha256 or ""))
        with Image.open(io.BytesIO(data)) as opened:
            image = opened.convert("RGB")
    except Exception:
        log.warning("no thumbnail for exemplar %s", exemplar.id, exc_info=True)
        return None
    x0, y0, x1, y1 = shape_bounds(exemplar.shape)
    margin = 0.15 * max(x1 - x0, y1 - y0) + 4
    box = (
        int(max(0, x0 - margin)),
        int(max(0, y0 - margin)),
        int(min(image.width, x1 + margin)),
        int(min(image.height, y1 + margin)),
    )
    draw = ImageDraw.Draw(image)
    if exemplar.shape["type"] == "polygon":
        draw.polygon([(p[0], p[1]) for p in exemplar.shape["points"]], outline=(255, 196, 0), width=2)
    else:
        draw.rectangle((x0, y0, x1, y1), outline=(255, 196, 0), width=2)
    crop = image.crop(box)
    crop.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    out = io.BytesIO()
    crop.save(out, "JPEG", quality=85)
    key = f"thumbnails/exemplars/{task.project_id}/{exemplar.id}.jpg"
    storage.target.put(key, out.getvalue(), "image/jpeg")
    return key


def sets(session: Session, project_id: int) -> list[ExemplarSet]:
    return list(
        session.scalars(
            select(ExemplarSet).where(ExemplarSet.project_id == project_id).order_by(ExemplarSet.label)
        )
    )


def message_section(
    session: Session,
    project_id: int,
    labels: Iterable[str],
    thresholds: dict[str, float],
    max_instances: int,
) -> dict[str, Any]:
    """The exemplar section of prelabel-task.v1 for these labels, from their current sets (a snapshot:
    every item of the job uses the same versions). Labels with an empty set go in too: the worker reports
    them as skipped, so the job report says why they found nothing."""
    out = []
    for label in labels:
        exemplar_set = get_set(session, project_id, label)
        entry: dict[str, Any] = {"label": label, "version": 0, "threshold": thresholds.get(label, 0.5)}
        items = []
        if exemplar_set is not None:
            entry.update(set_id=str(exemplar_set.id), version=exemplar_set.version)
            rows = session.execute(
                select(Exemplar, Task)
                .join(Task, Task.id == Exemplar.task_id)
                .where(
                    Exemplar.set_id == exemplar_set.id,
                    Exemplar.added_in <= exemplar_set.version,
                    Exemplar.removed_in.is_(None),
                )
                .order_by(Exemplar.id)
                .limit(64)
            )
            for exemplar, task in rows:
                items.append({"id": str(exemplar.id), "image": image_ref(task), "shape": exemplar.shape})
        entry["exemplars"] = items
        out.append(entry)
    return {"labels": out, "max_instances": max_instances}


def thumbnail_key(session: Session, project_id: int, exemplar_id: int) -> str:
    """Where the exemplar's thumbnail is stored; not found for another project's exemplar or none stored."""
    exemplar = session.get(Exemplar, exemplar_id)
    if exemplar is None or exemplar.project_id != project_id or exemplar.thumbnail_key is None:
        raise ExemplarNotFound()
    return exemplar.thumbnail_key
