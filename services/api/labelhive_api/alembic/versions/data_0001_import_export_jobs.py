"""import and export jobs

Revision ID: data_0001
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import labelhive_api.db.base

revision = "data_0001"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = labelhive_api.db.base.Json
Stamp = labelhive_api.db.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", BigId, nullable=False),
        sa.Column("created_by", BigId, nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("options", Json, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("shapes", sa.Integer(), nullable=False),
        sa.Column("report", Json, nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", Stamp(timezone=True), nullable=True),
        sa.Column("created_at", Stamp(timezone=True), nullable=False),
        sa.Column("started_at", Stamp(timezone=True), nullable=True),
        sa.Column("finished_at", Stamp(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_import_job_project_id_project"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["user_account.id"], name=op.f("fk_import_job_created_by_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
    )
    op.create_index("ix_import_job_state_id", "import_job", ["state", "id"])
    op.create_index("ix_import_job_project_id", "import_job", ["project_id", "id"])

    op.create_table(
        "import_item",
        sa.Column("id", BigId, nullable=False),
        sa.Column("job_id", BigId, nullable=False),
        sa.Column("project_id", BigId, nullable=False),
        sa.Column("name", sa.String(1024), nullable=False),
        sa.Column("source_ref", sa.String(1100), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("task_id", BigId, nullable=True),
        sa.Column("asset_sha256", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["import_job.id"], name=op.f("fk_import_item_job_id_import_job"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_import_item_project_id_project"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_import_item_task_id_task"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_item")),
        sa.UniqueConstraint("job_id", "name", name=op.f("uq_import_item_job_id")),
    )
    op.create_index(
        "ux_import_item_project_source_imported",
        "import_item",
        ["project_id", "source_ref"],
        unique=True,
        postgresql_where=sa.text("state = 'imported'"),
        sqlite_where=sa.text("state = 'imported'"),
    )
    op.create_index("ix_import_item_job_state_id", "import_item", ["job_id", "state", "id"])
    op.create_index("ix_import_item_asset_sha256", "import_item", ["asset_sha256"])

    op.create_table(
        "export_job",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", BigId, nullable=False),
        sa.Column("created_by", BigId, nullable=True),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("with_images", sa.Boolean(), nullable=False),
        sa.Column("options", Json, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("shapes", sa.Integer(), nullable=False),
        sa.Column("report", Json, nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("object_key", sa.String(300), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", Stamp(timezone=True), nullable=True),
        sa.Column("created_at", Stamp(timezone=True), nullable=False),
        sa.Column("started_at", Stamp(timezone=True), nullable=True),
        sa.Column("finished_at", Stamp(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_export_job_project_id_project"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["user_account.id"], name=op.f("fk_export_job_created_by_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_job")),
    )
    op.create_index("ix_export_job_state_id", "export_job", ["state", "id"])
    op.create_index("ix_export_job_project_id", "export_job", ["project_id", "id"])


def downgrade() -> None:
    op.drop_table("export_job")
    op.drop_table("import_item")
    op.drop_table("import_job")
