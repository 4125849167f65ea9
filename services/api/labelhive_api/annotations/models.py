"""An annotator's result on a task, every version of it, and their autosaved draft."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from labelhive_api.db.base import Base, BigId, Json, UTCDateTime, utcnow


class AnnotationStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    REWORK = "rework"  # rejected (or reopened) work the annotator has taken back


class Annotation(Base):
    """`result` is a list of shapes (contracts/README.md): {id, type, label, ...geometry, score?}."""

    __tablename__ = "annotation"
    __table_args__ = (
        UniqueConstraint("task_id", "user_id"),
        Index("ix_annotation_project_status_id", "project_id", "status", "id"),
        Index("ix_annotation_project_user_status", "project_id", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(16), default=AnnotationStatus.SUBMITTED.value)
    version: Mapped[int] = mapped_column(Integer, default=1)
    result: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    lead_time_ms: Mapped[int] = mapped_column(Integer, default=0)
    schema_version: Mapped[int] = mapped_column(Integer, default=0)
    prediction_id: Mapped[int | None] = mapped_column(
        ForeignKey("prediction.id", ondelete="SET NULL"), nullable=True
    )
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnnotationVersion(Base):
    """Append-only history: one row per version ever written (never updated, never deleted)."""

    __tablename__ = "annotation_version"
    __table_args__ = (UniqueConstraint("annotation_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotation.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    result: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    lead_time_ms: Mapped[int] = mapped_column(Integer, default=0)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    reason: Mapped[str] = mapped_column(String(32), default="save")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Draft(Base):
    """Autosaved work in progress, one per annotator and task, kept apart from submissions."""

    __tablename__ = "annotation_draft"

    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    result: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    lead_time_ms: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
