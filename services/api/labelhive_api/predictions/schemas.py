"""Request and response bodies of the prediction and pre-label endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from labelhive_api.api.schemas import RequestBody, ResponseBody


class PredictionIn(RequestBody):
    model_version: str = Field(min_length=1, max_length=200)
    result: list[dict[str, Any]] = Field(max_length=5000)
    score: float | None = None


class PredictionOut(ResponseBody):
    id: int
    task_id: int
    model_version: str
    result: list[dict[str, Any]]
    score: float | None
    job_id: int | None
    created_at: datetime
    exemplar_sets: dict[str, int] | None = Field(
        None, description="exemplar mode: the set version per label that produced these suggestions"
    )


class AcceptIn(RequestBody):
    version: int | None = Field(
        None, ge=1, description="your annotation's version, when you already have one"
    )
    lead_time_ms: int = Field(0, ge=0)


class ExemplarJobIn(RequestBody):
    """Exemplar mode: which labels to search (default: every label with exemplars) and their thresholds."""

    labels: list[str] | None = Field(None, min_length=1, max_length=50)
    thresholds: dict[str, float] = Field(default_factory=dict, max_length=50)
    max_instances: int = Field(100, ge=1, le=500)

    @model_validator(mode="after")
    def _thresholds(self) -> ExemplarJobIn:
        if any(not 0 <= v <= 1 for v in self.thresholds.values()):
            raise ValueError("thresholds must lie between 0 and 1")
        return self


class PrelabelJobIn(RequestBody):
    task_ids: list[int] | None = Field(None, max_length=100000)
    batch_id: int | None = None
    model: Literal["mobile-sam", "sam-vit-b", "sam-vit-l", "sam-vit-h"] = "mobile-sam"
    mode: Literal["box", "points", "auto", "exemplar"] = "auto"
    auto: dict[str, Any] | None = None
    exemplar: ExemplarJobIn | None = None
    output: dict[str, Any] | None = None
    label_mapping: dict[str, str] | None = None
    label_parents: dict[str, str] | None = None

    @model_validator(mode="after")
    def _one_selection(self) -> PrelabelJobIn:
        if (self.task_ids is None) == (self.batch_id is None):
            raise ValueError("give exactly one of task_ids or batch_id")
        return self


class SegmentIn(RequestBody):
    """A click (points) and/or a box on the task's image; shapes come back with `label`."""

    points: list[tuple[float, float, Literal[0, 1]]] | None = Field(None, min_length=1, max_length=64)
    box: dict[str, float] | None = None
    label: str = Field(min_length=1, max_length=128)
    model: Literal["mobile-sam", "sam-vit-b", "sam-vit-l", "sam-vit-h"] = "mobile-sam"
    simplify_tolerance: float = Field(1.0, ge=0, le=50)

    @model_validator(mode="after")
    def _prompt(self) -> SegmentIn:
        if self.points is None and self.box is None:
            raise ValueError("give points, a box, or both")
        if self.box is not None and set(self.box) != {"x", "y", "w", "h"}:
            raise ValueError("box needs exactly x, y, w, h")
        return self


class SegmentOut(ResponseBody):
    model_version: str
    shapes: list[dict[str, Any]]
    score: float | None = None
    embedding_cached: bool


class PrelabelJobOut(ResponseBody):
    id: int
    project_id: int
    model: str
    mode: str
    state: str
    total: int
    done: int
    failed: int
    created_at: datetime
    finished_at: datetime | None
    report: dict[str, Any] = Field(default_factory=dict)


class PrelabelResultIn(RequestBody):
    """prelabel-result.v1 (contracts/prelabel-result.v1.schema.json)."""

    version: Literal[1]
    job_id: str = Field(max_length=128)
    project_id: str = Field(max_length=128)
    task_id: str = Field(max_length=128)
    model: str = Field(max_length=128)
    model_version: str = Field(pattern=r"^[A-Za-z0-9._-]+@[0-9a-f]{12}(\+ex\.[0-9a-f]{8})?$")
    status: Literal["done", "failed"]
    reason: dict[str, Any] | None = None
    shapes: list[dict[str, Any]] = Field(max_length=10000)
    unmapped: list[dict[str, Any]]
    image: dict[str, Any] | None = None
    embedding: dict[str, Any] | None = None
    exemplar: dict[str, Any] | None = None
    attempts: int | None = None
    timings: dict[str, float] | None = None
    worker: str | None = None
