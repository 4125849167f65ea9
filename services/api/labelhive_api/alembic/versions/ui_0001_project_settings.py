"""project: task lease, default language and archiving, set from the manager workspace

Revision ID: ui_0001
Revises: data_0002
"""

import sqlalchemy as sa
from alembic import op

import labelhive_api.db.base

revision = "ui_0001"
down_revision = "data_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.add_column(sa.Column("task_lease_seconds", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("default_locale", sa.String(length=16), nullable=False, server_default="zh-CN")
        )
        batch.add_column(
            sa.Column("archived_at", labelhive_api.db.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.drop_column("archived_at")
        batch.drop_column("default_locale")
        batch.drop_column("task_lease_seconds")
