"""Run Alembic migrations from settings (`labelhive-api migrate`) and report whether the database is at head."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

SCRIPTS = Path(__file__).resolve().parent.parent / "alembic"


def _config(connection: Connection, schema: str | None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.attributes["connection"] = connection
    cfg.attributes["schema"] = schema
    return cfg


def upgrade(bind: Engine | Connection, schema: str | None = None, revision: str = "head") -> None:
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            command.upgrade(_config(connection, schema), revision)
    else:
        command.upgrade(_config(bind, schema), revision)


def downgrade(bind: Engine, schema: str | None = None, revision: str = "base") -> None:
    with bind.begin() as connection:
        command.downgrade(_config(connection, schema), revision)


def head_revision() -> str | None:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(connection: Connection, schema: str | None = None) -> str | None:
    ctx = MigrationContext.configure(connection, opts={"version_table_schema": schema})
    return ctx.get_current_revision()


def autogenerate(bind: Engine, message: str) -> None:
    """Developer helper: write a new revision from the models' difference to the database."""
    with bind.begin() as connection:
        command.revision(_config(connection, None), message=message, autogenerate=True)
