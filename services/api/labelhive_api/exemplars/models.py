"""Exemplar sets (one per project label) and their exemplars, versioned by added_in / removed_in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from labelhive_api.db.base import Base, BigId, Json, UTCDateTime, utcnow


class ExemplarSet(Base):
    """A label's golden samples; `version` grows with every change (0: never had one)."""

    __tablename__ = "exemplar_set"
    __table_args__ = (UniqueConstraint("project_id", "label"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Exemplar(Base):
    """One reference shape: in the set from version `added_in` until (excluding) `removed_in`."""

    __tablename__ = "exemplar"
    __table_args__ = (Index("ix_exemplar_set_removed", "set_id", "removed_in"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("exemplar_set.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    annotation_id: Mapped[int | None] = mapped_column(
        ForeignKey("annotation.id", ondelete="SET NULL"), nullable=True
    )
    shape_id: Mapped[str] = mapped_column(String(128))
    shape: Mapped[dict[str, Any]] = mapped_column(Json)
    thumbnail_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    added_in: Mapped[int] = mapped_column(Integer)
    removed_in: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
