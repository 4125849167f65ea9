"""Import jobs and their per-file ledger (progress, refusals with reasons, idempotency)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from labelhive_api.db.base import Base, BigId
from labelhive_api.jobs.table import JobColumns


class ImportJob(JobColumns, Base):
    """kind: upload | s3 | urls; format: images | coco | yolo | voc | labelstudio."""

    __tablename__ = "import_job"
    __table_args__ = (
        Index("ix_import_job_state_id", "state", "id"),
        Index("ix_import_job_project_id", "project_id", "id"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    imported: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)


class ImportItem(Base):
    """One file of a job: imported | duplicate | refused (with reason). `(job_id, name)` makes a re-run
    skip what is done; `source_ref` (sha256 of the bytes, S3 key, URL) makes a second import of the same
    thing into the same project find the existing task instead of creating another."""

    __tablename__ = "import_item"
    __table_args__ = (
        UniqueConstraint("job_id", "name"),
        Index(
            "ux_import_item_project_source_imported",
            "project_id",
            "source_ref",
            unique=True,
            postgresql_where=text("state = 'imported'"),
            sqlite_where=text("state = 'imported'"),
        ),
        Index("ix_import_item_asset_sha256", "asset_sha256"),
        Index("ix_import_item_job_state_id", "job_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_job.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(1024))
    source_ref: Mapped[str | None] = mapped_column(String(1100), nullable=True)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"), nullable=True)
    asset_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
