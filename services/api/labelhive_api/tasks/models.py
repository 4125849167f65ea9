"""Tasks, batches, leases and the per-task label index used by filters."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from labelhive_api.db.base import Base, BigId, Json, UTCDateTime, utcnow


class TaskState(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


OPEN_STATES = (TaskState.NEW.value, TaskState.IN_PROGRESS.value)


class Batch(Base):
    __tablename__ = "batch"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Task(Base):
    """One image to annotate.

    Create tasks through `labelhive_api.tasks.service.add_tasks` so the statistics counters stay right.
    `image` is the storage key (e.g. `assets/sha256/ab/<64 hex>`) or a URL; `width`/`height` in pixels.
    """

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_project_state_id", "project_id", "state", "id"),
        Index("ix_task_project_assignee_state_id", "project_id", "assignee_id", "state", "id"),
        Index("ix_task_project_batch_id", "project_id", "batch_id", "id"),
        Index("ix_task_project_updated_id", "project_id", "updated_at", "id"),
        Index(
            "ix_task_open_unassigned",
            "project_id",
            "id",
            postgresql_where=text("assignee_id IS NULL AND state IN ('new', 'in_progress')"),
            sqlite_where=text("assignee_id IS NULL AND state IN ('new', 'in_progress')"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id", ondelete="SET NULL"), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=TaskState.NEW.value)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    image: Mapped[str] = mapped_column(String(1024))
    asset_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    filename: Mapped[str] = mapped_column(String(1024), default="")
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # EXIF orientation of the stored bytes (1-8); width/height are already the displayed size.
    # NULL: a row from before it was recorded (`imports.orientation.backfill` fixes those).
    orientation: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # Annotators working on it (active leases) plus those who submitted: at most project.overlap.
    slots_taken: Mapped[int] = mapped_column(Integer, default=0)
    has_prediction: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TaskLease(Base):
    """An annotator holds a task until `expires_at`; an expired lease gives the slot back."""

    __tablename__ = "task_lease"
    __table_args__ = (
        Index("ix_task_lease_project_expires", "project_id", "expires_at"),
        Index("ix_task_lease_project_user", "project_id", "user_id"),
    )

    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TaskLabel(Base):
    """Which labels a task's annotations use (maintained on save): the `label` filter without JSON scans."""

    __tablename__ = "task_label"
    __table_args__ = (Index("ix_task_label_project_label_task", "project_id", "label", "task_id"),)

    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    label: Mapped[str] = mapped_column(String(200), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
