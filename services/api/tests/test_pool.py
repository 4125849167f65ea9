"""Pooled PostgreSQL connections: one the server closed is replaced before a request sees it, and a live one
is handed out without a round trip of its own (no ping per request)."""

from __future__ import annotations

import time

import psycopg
from labelhive_api.db.engine import make_engine


def test_a_connection_the_server_closed_is_replaced_and_live_ones_are_not_pinged(pg_settings, postgres):
    engine = make_engine(pg_settings)
    pings: list[object] = []
    real_ping = engine.dialect.do_ping

    def counted_ping(dbapi_conn):
        pings.append(dbapi_conn)
        return real_ping(dbapi_conn)

    engine.dialect.do_ping = counted_ping  # type: ignore[method-assign]
    try:
        for _ in range(3):  # a request's checkout, again and again
            with engine.connect() as conn:
                pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        assert pings == []
        # The pooled connection's server process ends (as on a restart or an idle-session timeout).
        with psycopg.connect(postgres.admin_dsn, autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
            for _ in range(100):
                if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
                    break
                time.sleep(0.05)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 42").scalar() == 42
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
        assert len(pings) == 1
    finally:
        engine.dispose()
