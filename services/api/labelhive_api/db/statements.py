"""Statement helpers shared by the services: dialect-specific INSERTs and several writes in one round trip."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Executable, String, any_, bindparam, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def insert_for(session: Session, table: Any) -> Any:
    """INSERT with ON CONFLICT support (PostgreSQL or SQLite)."""
    return (postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert)(table)


def one_of(session: Session, column: Any, values: list[str]) -> ColumnElement[bool]:
    """`column IN (values)` for many strings: on PostgreSQL `= ANY(array)`, one parameter (a statement of
    a thousand parameters costs more to compile, send and plan than to run)."""
    if dialect_name(session) == "postgresql":
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(String)))
    return column.in_(values)


def execute_together(session: Session, statements: Iterable[Executable | None]) -> None:
    """Run independent writes (INSERT, upsert, DELETE, UPDATE without RETURNING) in one round trip.

    On PostgreSQL they become the data-modifying CTEs of one statement: all of them see the same snapshot and
    run to completion, so none may depend on another's effect or touch the same row as another. Elsewhere
    (SQLite) they run one after another. A failure of any fails the statement, as it would one by one."""
    todo = [s for s in statements if s is not None]
    if len(todo) <= 1 or dialect_name(session) != "postgresql":
        for stmt in todo:
            session.execute(stmt)
        return
    combined = select(literal(1))
    for i, stmt in enumerate(todo):
        combined = combined.add_cte(stmt.cte(f"w{i}"))  # type: ignore[attr-defined]
    session.execute(combined)
