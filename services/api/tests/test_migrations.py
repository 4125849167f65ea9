"""The tables the code declares (`*/models.py`) are the tables the migrations build, on both backends: a
column, index or constraint added to a model without its migration (or the other way round) fails here."""

from __future__ import annotations

from typing import Any

import labelhive_api.models  # noqa: F401 - every table registered on Base.metadata
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from labelhive_api.db.base import Base
from sqlalchemy import Engine


def _drift(engine: Engine, schema: str | None) -> list[Any]:
    with engine.connect() as conn:
        options: dict[str, Any] = {"include_schemas": False}
        if schema is not None:
            conn.exec_driver_sql(f'SET search_path TO "{schema}"')
        context = MigrationContext.configure(conn, opts=options)
        return [d for d in compare_metadata(context, Base.metadata) if not _alembic_own(d)]


def _alembic_own(diff: Any) -> bool:
    """alembic's version table is not one of ours."""
    return isinstance(diff, tuple) and diff[0] == "remove_table" and diff[1].name == "alembic_version"


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_models_match_the_migrated_schema(backend: str, request: pytest.FixtureRequest) -> None:
    engine = request.getfixturevalue("pg_engine" if backend == "postgresql" else "sqlite_engine")
    schema = request.getfixturevalue("pg_settings").database_schema if backend == "postgresql" else None
    assert _drift(engine, schema) == []
