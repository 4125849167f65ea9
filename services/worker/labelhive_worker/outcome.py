"""What the worker sends out, typed: prelabel-result.v1 (POSTed to the API) and prelabel-dead-letter.v1
(published to `<queue>.dead`). Built only through these models, so a field the schemas do not know, or a
reason code they do not list, fails in the worker instead of at the API (tested against the JSON Schemas)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ReasonCode = Literal[
    "malformed_message",
    "image_unreachable",
    "image_not_decodable",
    "image_too_large",
    "checksum_mismatch",
    "unknown_model",
    "model_mismatch",
    "invalid_prompt",
    "result_rejected",
    "worker_lost",
    "internal_error",
]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def payload(self) -> dict[str, Any]:
        """The JSON object as the contract spells it (aliases, no absent optional fields)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Reason(_Out):
    code: ReasonCode
    message: str = Field(max_length=2000)

    @classmethod
    def of(cls, code: str, message: str) -> Reason:
        return cls.model_validate({"code": code, "message": message[:2000]})


class Unmapped(_Out):
    class_: str = Field(alias="class")
    count: int = Field(ge=1)


class ImageSeen(_Out):
    sha256: str
    width: int
    height: int


class EmbeddingAt(_Out):
    bucket: str
    key: str


class PrelabelResult(_Out):
    """contracts/prelabel-result.v1.schema.json"""

    version: Literal[1] = 1
    job_id: str
    project_id: str
    task_id: str
    model: str
    model_version: str = Field(pattern=r"^[A-Za-z0-9._-]+@[0-9a-f]{12}(\+ex\.[0-9a-f]{8})?$")
    status: Literal["done", "failed"]
    reason: Reason | None = None
    shapes: list[dict[str, Any]] = Field(default_factory=list)  # shape.v1 objects from geometry.py
    unmapped: list[Unmapped] = Field(default_factory=list)
    image: ImageSeen | None = None
    embedding: EmbeddingAt | None = None
    exemplar: dict[str, Any] | None = None  # the exemplar report of exemplar/job.py
    attempts: int = Field(default=1, ge=1)
    timings: dict[str, float] | None = None
    worker: str = Field(default_factory=socket.gethostname)

    @property
    def idempotency_key(self) -> str:
        return f"{self.task_id}:{self.model_version}"


class DeadLetter(_Out):
    """contracts/prelabel-dead-letter.v1.schema.json"""

    version: Literal[1] = 1
    reason: Reason
    attempts: int = Field(ge=1)
    failed_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat())
    worker: str = Field(default_factory=socket.gethostname)
    result_delivered: bool
    message: Any  # the original message as received, whatever it was

    def payload(self) -> dict[str, Any]:
        return {**super().payload(), "message": self.message}  # kept even when it arrived as null
