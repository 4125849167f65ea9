"""Predictions and the pre-label jobs that produce them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from labelhive_api.db.base import Base, BigId, Json, UTCDateTime, utcnow


class Prediction(Base):
    """Shapes a model (or an imported file) proposed for a task; one per task and model version."""

    __tablename__ = "prediction"
    __table_args__ = (UniqueConstraint("task_id", "model_version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    model_version: Mapped[str] = mapped_column(String(200))
    result: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("prelabel_job.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PrelabelJob(Base):
    __tablename__ = "prelabel_job"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    model: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16), default="auto")
    options: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | finished
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Exemplar mode: per label, the set version used, exemplars refused, labels skipped, shapes found.
    report: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class PrelabelItem(Base):
    """One task of a job: queued (in the DB) -> published (on the queue) -> done | failed."""

    __tablename__ = "prelabel_item"

    job_id: Mapped[int] = mapped_column(ForeignKey("prelabel_job.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
