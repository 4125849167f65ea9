"""exemplar sets (golden samples), pre-label job report, auto pre-label on import

Revision ID: prelabel_0001
Revises: ui_0001
"""

import sqlalchemy as sa
from alembic import op

import labelhive_api.db.base

revision = "prelabel_0001"
down_revision = "ui_0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = labelhive_api.db.base.Json
Stamp = labelhive_api.db.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "exemplar_set",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", BigId, nullable=False),
        sa.Column("label", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", BigId, nullable=True),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "label"),
    )
    op.create_table(
        "exemplar",
        sa.Column("id", BigId, nullable=False),
        sa.Column("set_id", BigId, nullable=False),
        sa.Column("project_id", BigId, nullable=False),
        sa.Column("task_id", BigId, nullable=False),
        sa.Column("annotation_id", BigId, nullable=True),
        sa.Column("shape_id", sa.String(128), nullable=False),
        sa.Column("shape", Json, nullable=False),
        sa.Column("thumbnail_key", sa.String(300), nullable=True),
        sa.Column("added_in", sa.Integer(), nullable=False),
        sa.Column("removed_in", sa.Integer(), nullable=True),
        sa.Column("created_by", BigId, nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.ForeignKeyConstraint(["set_id"], ["exemplar_set.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["annotation_id"], ["annotation.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_exemplar_set_removed", "exemplar", ["set_id", "removed_in"])
    op.create_index("ix_exemplar_project_id", "exemplar", ["project_id"])
    op.create_index("ix_exemplar_task_id", "exemplar", ["task_id"])
    with op.batch_alter_table("prelabel_job") as batch:
        batch.add_column(sa.Column("report", Json, nullable=False, server_default="{}"))
    with op.batch_alter_table("project") as batch:
        batch.add_column(sa.Column("auto_prelabel", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.drop_column("auto_prelabel")
    with op.batch_alter_table("prelabel_job") as batch:
        batch.drop_column("report")
    op.drop_table("exemplar")
    op.drop_table("exemplar_set")
