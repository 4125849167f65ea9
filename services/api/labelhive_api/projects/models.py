"""A project, who works in it with which role, and its versioned label schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from labelhive_api.db.base import Base, BigId, Json, UTCDateTime, utcnow


class Project(Base):
    __tablename__ = "project"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    instructions: Mapped[str] = mapped_column(Text, default="")
    # How many annotators label each task.
    overlap: Mapped[int] = mapped_column(Integer, default=1)
    # Current LabelSchema.version (0: none yet).
    label_schema_version: Mapped[int] = mapped_column(Integer, default=0)
    # How long "next task" holds a task for its annotator; None: LABELHIVE_TASK_LEASE_SECONDS.
    task_lease_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The language the project's annotators see first (an invite's sign-up form starts in it).
    default_locale: Mapped[str] = mapped_column(String(16), default="zh-CN", server_default="zh-CN")
    # Archived: hidden from the main list, no new tasks handed out; data kept, restorable.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Run an exemplar pre-label job on the tasks of every finished import (golden samples, issue 13).
    auto_prelabel: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Membership(Base):
    """A user's role in one project: admin, manager, reviewer or annotator."""

    __tablename__ = "membership"

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LabelSchema(Base):
    """One immutable version of a project's labels.

    `labels` is a list of {value, names: {locale: text}, color, hotkey, tools: [bbox|polygon|keypoints|tag],
    skeleton: {name, points: [..]} | null}. Annotations store `value`, so renames never rewrite them.
    """

    __tablename__ = "label_schema"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    labels: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
