"""Export jobs: what to export, progress, and where the finished zip lies in the target bucket."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from labelhive_api.db.base import Base
from labelhive_api.jobs.table import JobColumns


class ExportJob(JobColumns, Base):
    """format: coco | yolo | yolo-seg | voc | labelstudio | csv."""

    __tablename__ = "export_job"
    __table_args__ = (
        Index("ix_export_job_state_id", "state", "id"),
        Index("ix_export_job_project_id", "project_id", "id"),
    )

    with_images: Mapped[bool] = mapped_column(Boolean, default=False)
    object_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
