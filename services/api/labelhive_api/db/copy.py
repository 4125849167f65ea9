"""Many rows into one table at database speed, inside the session's transaction (bulk imports).

PostgreSQL: `COPY ... FROM STDIN`; SQLite: the driver's `executemany`. Both skip SQLAlchemy's per-statement
compilation and parameter rewriting, which cost more than the database itself for thousands of rows. Values
are turned into what the column types store (the same bind processing the ORM applies), so the rows are the
ones an INSERT through SQLAlchemy would write. New ids are drawn up front when the caller needs them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator


def _json_default(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


# json.dumps(value, default=_json_default), without building an encoder per call (bulk writes call it per row).
_dumps = json.JSONEncoder(default=_json_default).encode


class Encoded(str):
    """A JSON value already encoded (to write the same document into two rows at the cost of one)."""

    @classmethod
    def of(cls, value: Any) -> Encoded:
        return cls(_dumps(value))


def _encode(value: Any) -> str | None:
    if value is None or type(value) is Encoded:
        return value
    return _dumps(value)


def _is_json(column_type: Any) -> bool:
    return isinstance(column_type, JSON) or isinstance(getattr(column_type, "impl", None), JSON)


def _processors(session: Session, table: Table, columns: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    dialect = session.get_bind().dialect
    out: list[Callable[[Any], Any] | None] = []
    for name in columns:
        column_type = table.c[name].type.dialect_impl(dialect)
        if dialect.name == "postgresql":
            if _is_json(column_type):
                out.append(_encode)
            elif isinstance(column_type, TypeDecorator):
                process = column_type.bind_processor(dialect)
                out.append(process)
            else:
                out.append(None)  # psycopg's COPY adapts plain Python values itself
        elif _is_json(column_type):
            out.append(_encode)  # what SQLAlchemy's JSON type stores on SQLite: json.dumps text
        else:
            out.append(column_type.bind_processor(dialect))
    return out


def new_ids(session: Session, table: Table, n: int) -> list[int]:
    """`n` fresh primary keys for `table`, in increasing order (the caller inserts them in this transaction)."""
    if n == 0:
        return []
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        drawn = connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence(%(table)s, 'id')) FROM generate_series(1, %(n)s)",
            {"table": table.name, "n": n},
        )
        return sorted(int(row[0]) for row in drawn)
    # SQLite: the write lock is held from BEGIN IMMEDIATE, so nobody else takes ids meanwhile.
    top = connection.exec_driver_sql(f'SELECT coalesce(max(id), 0) FROM "{table.name}"').scalar()
    return list(range(int(top or 0) + 1, int(top or 0) + 1 + n))


def copy_rows(session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Inserts `rows` (tuples in the order of `columns`) into `table` in the session's transaction."""
    if not rows:
        return
    processors = _processors(session, table, columns)
    pairs = [(i, p) for i, p in enumerate(processors) if p is not None]

    def processed(row: Sequence[Any]) -> Sequence[Any]:
        if not pairs:
            return row
        values = list(row)
        for i, process in pairs:
            values[i] = process(values[i])
        return values

    connection = session.connection()
    raw = connection.connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    dbapi = connection.dialect.loaded_dbapi
    if connection.dialect.name == "postgresql":
        statement = f'COPY "{table.name}" ({names}) FROM STDIN'
        try:
            cursor = raw.cursor()  # type: ignore[union-attr]
            with cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(processed(row))
        except dbapi.Error as exc:
            # As SQLAlchemy would raise it (OperationalError, IntegrityError, ...), for the callers' handlers.
            raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc
        return
    marks = ", ".join("?" for _ in columns)
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(statement, [processed(row) for row in rows])
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc
    finally:
        cursor.close()
