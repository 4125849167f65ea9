"""security: API tokens expire; successful logins remember the address (a locked account still lets its
owner in from an address they used before)

Revision ID: sec_0001
Revises: prelabel_0001
"""

import sqlalchemy as sa
from alembic import op

import labelhive_api.db.base

revision = "sec_0001"
down_revision = "prelabel_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(
            sa.Column("expires_at", labelhive_api.db.base.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("login_attempt") as batch:
        batch.add_column(sa.Column("succeeded", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("login_attempt") as batch:
        batch.drop_column("succeeded")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("expires_at")
