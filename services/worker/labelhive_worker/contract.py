"""The worker's own model of contracts/prelabel-task.v1 and prelabel-result.v1 (tested against the schemas)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from labelhive_worker.errors import JobError, malformed
from labelhive_worker.settings import MODELS

Id = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ImageRef(_Strict):
    url: str | None = Field(default=None, pattern=r"^https?://", max_length=4096)
    bucket: str | None = Field(default=None, min_length=3, max_length=63)
    key: str | None = Field(default=None, min_length=1, max_length=1024)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    width: int | None = Field(default=None, ge=1)
    height: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_source(self) -> ImageRef:
        if (self.url is None) == (self.key is None):
            raise ValueError("image needs exactly one of url or key")
        return self


class Box(_Strict):
    x: float
    y: float
    w: float = Field(gt=0)
    h: float = Field(gt=0)


Point = tuple[float, float, Literal[0, 1]]


class Prompt(_Strict):
    id: str | None = Field(default=None, max_length=128)
    class_: str | None = Field(default=None, alias="class", max_length=128)
    box: Box | None = None
    points: list[Point] | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _something(self) -> Prompt:
        if self.box is None and self.points is None:
            raise ValueError("a prompt needs a box or points")
        return self


class AutoOptions(_Strict):
    points_per_side: int = Field(default=16, ge=1, le=64)
    pred_iou_thresh: float = Field(default=0.86, ge=0, le=1)
    stability_score_thresh: float = Field(default=0.9, ge=0, le=1)
    box_nms_thresh: float = Field(default=0.7, ge=0, le=1)
    min_mask_region_area: int = Field(default=64, ge=0)
    max_masks: int = Field(default=100, ge=1, le=1000)
    class_: str = Field(default="object", alias="class", max_length=128)


OutputType = Literal["polygon", "bbox"]


class Output(_Strict):
    types: list[OutputType] = Field(default_factory=lambda: list[OutputType](["polygon"]), min_length=1)
    simplify_tolerance: float = Field(default=1.0, ge=0, le=50)
    min_area: float = Field(default=16, ge=0)


class ExemplarShape(_Strict):
    """A reference shape in its image's pixels: a polygon, or a box (turned into SAM's mask of the box)."""

    type: Literal["polygon", "bbox"]
    points: list[tuple[float, float]] | None = Field(default=None, min_length=3, max_length=10000)
    x: float | None = None
    y: float | None = None
    w: float | None = Field(default=None, gt=0)
    h: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _geometry(self) -> ExemplarShape:
        if self.type == "polygon" and self.points is None:
            raise ValueError("a polygon exemplar needs points")
        if self.type == "bbox" and None in (self.x, self.y, self.w, self.h):
            raise ValueError("a box exemplar needs x, y, w, h")
        return self


class Exemplar(_Strict):
    id: str = Id
    image: ImageRef
    shape: ExemplarShape


class ExemplarLabel(_Strict):
    label: str = Field(min_length=1, max_length=128)
    set_id: str | None = Field(default=None, max_length=128)
    version: int = Field(default=0, ge=0)
    threshold: float = Field(default=0.5, ge=0, le=1)
    exemplars: list[Exemplar] = Field(default_factory=list, max_length=64)


class ExemplarOptions(_Strict):
    labels: list[ExemplarLabel] = Field(min_length=1, max_length=50)
    max_instances: int = Field(default=100, ge=1, le=500)


class Callback(_Strict):
    url: str = Field(pattern=r"^https?://", max_length=2048)


class PrelabelTask(_Strict):
    version: Literal[1]
    job_id: str = Id
    project_id: str = Id
    task_id: str = Id
    image: ImageRef
    mode: Literal["box", "points", "auto", "exemplar"]
    prompts: list[Prompt] = Field(default_factory=list, max_length=500)
    auto: AutoOptions = Field(default_factory=AutoOptions)
    exemplar: ExemplarOptions | None = None
    model: Literal["mobile-sam", "sam-vit-b", "sam-vit-l", "sam-vit-h"]
    output: Output = Field(default_factory=Output)
    label_mapping: dict[str, str] = Field(default_factory=dict)
    label_parents: dict[str, str] = Field(default_factory=dict)
    callback: Callback | None = None
    enqueued_at: str | None = None

    @model_validator(mode="after")
    def _prompts_fit_mode(self) -> PrelabelTask:
        if self.mode == "box" and (not self.prompts or any(p.box is None for p in self.prompts)):
            raise ValueError("box mode needs at least one prompt, each with a box")
        if self.mode == "points" and (not self.prompts or any(p.points is None for p in self.prompts)):
            raise ValueError("points mode needs at least one prompt, each with points")
        if self.mode == "exemplar" and self.exemplar is None:
            raise ValueError("exemplar mode needs exemplar.labels")
        return self


def parse_task(raw: Any) -> PrelabelTask:
    """Validate a received message; an unknown model gets its own reason code, anything else is malformed."""
    if isinstance(raw, dict) and "model" in raw and raw["model"] not in MODELS:
        raise JobError("unknown_model", f"model {raw['model']!r} is not one of {', '.join(MODELS)}")
    try:
        return PrelabelTask.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "message"
        raise malformed(f"{where}: {first['msg']} ({exc.error_count()} error(s))") from None


def ids_of(raw: Any) -> tuple[str | None, str | None, str | None]:
    """job_id, project_id, task_id of a message that may not parse, to report a failure against its task."""
    if not isinstance(raw, dict):
        return None, None, None
    found = [raw.get(k) if isinstance(raw.get(k), str) else None for k in ("job_id", "project_id", "task_id")]
    return found[0], found[1], found[2]


class ClickRequest(_Strict):
    """contracts/prelabel-click.v1.schema.json#/$defs/request"""

    version: Literal[1]
    image: ImageRef
    model: str
    points: list[Point] | None = Field(default=None, max_length=64)
    box: Box | None = None
    label: str = Field(default="object", min_length=1, max_length=128)
    simplify_tolerance: float = Field(default=1.0, ge=0, le=50)

    @model_validator(mode="after")
    def _prompt(self) -> ClickRequest:
        if not self.points and self.box is None:
            raise ValueError("a click needs points or a box")
        return self
