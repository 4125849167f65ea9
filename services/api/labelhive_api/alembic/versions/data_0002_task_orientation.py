"""task.orientation: the EXIF orientation of the stored image (width/height are the displayed size)

Revision ID: data_0002
Revises: data_0001

Existing rows get NULL ("not checked yet"): their width/height may be the stored, un-rotated size.
The data-job runner's `imports.orientation.backfill` reads each such image's header from storage, records
the tag and swaps width/height for quarter turns; a migration cannot reach the object storage.
"""

import sqlalchemy as sa
from alembic import op

revision = "data_0002"
down_revision = "data_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("orientation", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.drop_column("orientation")
