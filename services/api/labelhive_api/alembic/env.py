"""Alembic environment: the connection comes from labelhive_api.db.migrate (settings), never from an ini."""

from __future__ import annotations

from alembic import context
from labelhive_api.models import Base, load_all_models
from sqlalchemy import text

load_all_models()
config = context.config
connection = config.attributes["connection"]
schema: str | None = config.attributes.get("schema")

if schema:
    # A least-privilege project role owns its schema but may not create schemas: only create when missing.
    exists = connection.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}).first()
    if exists is None:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    connection.execute(text(f'SET search_path TO "{schema}"'))

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table_schema=schema,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
