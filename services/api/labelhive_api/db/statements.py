"""Statement helpers shared by the services: dialect-specific INSERTs and several writes in one round trip."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    Column,
    ColumnElement,
    Executable,
    Table,
    bindparam,
    delete,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def insert_for(session: Session, table: Any) -> Any:
    """INSERT with ON CONFLICT support (PostgreSQL or SQLite)."""
    return dialect_insert(dialect_name(session), table)


def dialect_insert(dialect: str, table: Any) -> Any:
    """`insert_for` by dialect name (for statements built once per dialect)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


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


@dataclass(frozen=True)
class Write:
    """One write for `execute_writes`, its statement built once per shape and reused with bound values.

    `build(dialect, prefix, *args)` makes the statement with its bound parameters named prefix + name;
    `args` (hashable) are everything its SQL depends on; `params` are this call's values by unprefixed name."""

    build: Callable[..., Executable]
    args: tuple[Hashable, ...]
    params: Mapping[str, Any]


_SHAPES: dict[tuple[Hashable, ...], Executable] = {}
_SHAPES_MAX = 4096


def execute_writes(session: Session, writes: Sequence[Write | None]) -> None:
    """`execute_together` for `Write`s: the same one round trip on PostgreSQL (data-modifying CTEs, so the
    same rules: no write may depend on another's effect), but the combined statement is built, and its cache
    key computed, once per combination of shapes instead of on every call."""
    todo = [w for w in writes if w is not None]
    dialect = dialect_name(session)
    if dialect != "postgresql" or len(todo) == 1:
        for w in todo:
            session.execute(_shape(dialect, (w,), combine=False), _prefixed((w,)))
        return
    if todo:
        session.execute(_shape(dialect, todo, combine=True), _prefixed(todo))


def _prefixed(writes: Sequence[Write]) -> dict[str, Any]:
    return {f"w{i}_{name}": value for i, w in enumerate(writes) for name, value in w.params.items()}


def _shape(dialect: str, writes: Sequence[Write], *, combine: bool) -> Executable:
    key = (dialect, combine, *((w.build, w.args) for w in writes))
    stmt = _SHAPES.get(key)
    if stmt is None:
        built = [w.build(dialect, f"w{i}_", *w.args) for i, w in enumerate(writes)]
        if combine:
            combined = select(literal(1))
            for i, part in enumerate(built):
                combined = combined.add_cte(part.cte(f"w{i}"))  # type: ignore[attr-defined]
            stmt = combined
        else:
            (stmt,) = built
        if len(_SHAPES) >= _SHAPES_MAX:
            _SHAPES.clear()
        _SHAPES[key] = stmt
    return stmt


def bound(prefix: str, column: Column[Any]) -> BindParameter[Any]:
    """The bound parameter for `column` in a statement built by `Write.build`."""
    return bindparam(prefix + column.key, type_=column.type)


def _insert_row(
    dialect: str, prefix: str, table: Table, columns: tuple[str, ...], conflict: tuple[str, ...] | None
) -> Executable:
    stmt = dialect_insert(dialect, table).values({name: bound(prefix, table.c[name]) for name in columns})
    return stmt if conflict is None else stmt.on_conflict_do_nothing(index_elements=list(conflict) or None)


def insert_row(
    table: Table, values: Mapping[str, Any], *, or_nothing_on: tuple[str, ...] | None = None
) -> Write:
    """INSERT of one row (`or_nothing_on`: ON CONFLICT (those columns, or any unique key if empty) DO NOTHING)."""
    return Write(_insert_row, (table, tuple(values), or_nothing_on), values)


def _where(prefix: str, table: Table, columns: tuple[str, ...]) -> list[ColumnElement[bool]]:
    return [table.c[name] == bindparam(f"{prefix}where_{name}", type_=table.c[name].type) for name in columns]


def _delete_rows(dialect: str, prefix: str, table: Table, where: tuple[str, ...]) -> Executable:
    return delete(table).where(*_where(prefix, table, where))


def delete_rows(table: Table, where: Mapping[str, Any]) -> Write:
    """DELETE of the rows whose columns equal these values."""
    return Write(_delete_rows, (table, tuple(where)), {f"where_{k}": v for k, v in where.items()})


def _update_rows(
    dialect: str, prefix: str, table: Table, where: tuple[str, ...], columns: tuple[str, ...]
) -> Executable:
    return (
        update(table)
        .where(*_where(prefix, table, where))
        .values({name: bound(prefix, table.c[name]) for name in columns})
    )


def update_rows(table: Table, where: Mapping[str, Any], values: Mapping[str, Any]) -> Write:
    """UPDATE of the rows whose columns equal `where`, setting `values`."""
    return Write(
        _update_rows,
        (table, tuple(where), tuple(values)),
        {**{f"where_{k}": v for k, v in where.items()}, **values},
    )
