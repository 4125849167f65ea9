"""Engine and session factory from settings; PostgreSQL gets its project schema as search_path."""

from __future__ import annotations

import functools
import select
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from labelhive_api.settings import Settings

# Execution option: this connection's transactions only read (SQLite: a deferred BEGIN, no write lock).
READ_ONLY = "labelhive_read_only"


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            if conn.get_execution_options().get(READ_ONLY):
                # A WAL reader sees a snapshot and never takes the write lock: polls stay fast while an
                # import writes.
                conn.exec_driver_sql("BEGIN")
                return
            # SQLite has no row locks: take the write lock up front so concurrent requests queue instead of
            # failing to upgrade a stale read snapshot ("database is locked") or racing read-then-write.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    connect_args = tcp_timeouts(settings.database_tcp_timeout_seconds)
    if settings.database_schema:
        connect_args["options"] = f"-csearch_path={settings.database_schema}"
    engine = create_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        connect_args=connect_args,
    )
    event.listen(engine, "checkout", functools.partial(_check_alive, engine.dialect))
    return engine


def tcp_timeouts(seconds: int) -> dict[str, Any]:
    """libpq's TCP settings for a server that is gone without a word (ignored on Unix sockets): unacknowledged
    data fails the connection after `seconds`; an idle one is probed after `seconds` and given up after three
    probes missed, a third of that apart (then `_check_alive` finds it readable and replaces it)."""
    return {
        "keepalives": 1,
        "keepalives_idle": seconds,
        "keepalives_interval": max(1, seconds // 3),
        "keepalives_count": 3,
        "tcp_user_timeout": seconds * 1000,
    }


def _check_alive(dialect: Any, dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """What `pool_pre_ping` guards against, without its round trip per checkout: a pooled connection the
    server closed (restart, terminated backend, idle timeout) has something to read (the server's last
    message, then end of file), an idle live one has nothing. Only such a connection is pinged, and a dead one
    is replaced by a new connection before any request sees it."""
    poll = select.poll()
    try:
        poll.register(dbapi_conn.fileno(), select.POLLIN)
        readable = bool(poll.poll(0))
        if readable:
            dialect.do_ping(dbapi_conn)
    except Exception as exc:  # any failure here: the connection is gone
        raise DisconnectionError("the server closed this pooled connection") from exc


@dataclass
class Database:
    """What the app needs from the database: an engine (or one test connection) and a session factory."""

    bind: Engine | Connection
    sessions: sessionmaker[Session]

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        engine = make_engine(settings)
        return cls(engine, sessionmaker(engine, expire_on_commit=False))

    @classmethod
    def on_connection(cls, connection: Connection) -> Database:
        """Tests: every session is a savepoint inside one outer transaction that is rolled back."""
        factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        return cls(connection, factory)

    @property
    def dialect(self) -> str:
        return self.bind.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session that only reads: on SQLite it never takes the write lock (see `read_only`)."""
        with self.sessions() as session:
            read_only(session)
            yield session

    def dispose(self) -> None:
        if isinstance(self.bind, Engine):
            self.bind.dispose()


def read_only(session: Session) -> None:
    """Marks a fresh session as read-only, so SQLite begins its transactions deferred (WAL snapshot reads)
    instead of `BEGIN IMMEDIATE`. A write in such a session may fail with "database is locked"."""
    bind = session.bind
    if isinstance(bind, Engine) and bind.dialect.name == "sqlite" and not session.in_transaction():
        session.bind = _read_only_engine(bind)


@functools.lru_cache(maxsize=16)
def _read_only_engine(engine: Engine) -> Engine:
    """The same engine and pool; every transaction on it begins deferred (see READ_ONLY)."""
    return engine.execution_options(**{READ_ONLY: True})
