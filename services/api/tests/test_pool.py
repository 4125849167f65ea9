"""Pooled PostgreSQL connections: one the server closed is replaced before a request sees it, a live one is
handed out without a round trip of its own (no ping per request), and one to a server gone silent fails the
request in seconds, not after TCP's minutes of retransmissions."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time

import psycopg
import pytest
from labelhive_api.db.engine import make_engine
from sqlalchemy.exc import OperationalError


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


class Partition:
    """Drops every packet to the test server's port (iptables, root): the server is gone without a FIN or a
    reset, as when its node is lost."""

    def __init__(self, host: str, port: int) -> None:
        self.rule = ["INPUT", "-p", "tcp", "-d", host, "--dport", str(port), "-j", "DROP"]
        self.rule += ["-m", "comment", "--comment", f"labelhive-test-partition-{os.getpid()}"]
        self.on = False

    def start(self) -> None:
        subprocess.run(["iptables", "-I", *self.rule], check=True)
        self.on = True

    def stop(self) -> None:
        if self.on:
            subprocess.run(["iptables", "-D", *self.rule], check=True)
            self.on = False


@pytest.fixture
def partition(postgres):
    if os.geteuid() != 0 or shutil.which("iptables") is None:
        pytest.fail("this test needs root and iptables (the harness runs as root)")
    cut = Partition(postgres.host, postgres.port)
    try:
        yield cut
    finally:
        cut.stop()


def test_a_request_to_a_server_gone_silent_fails_in_seconds_and_the_pool_recovers(pg_settings, partition):
    engine = make_engine(pg_settings.model_copy(update={"database_tcp_timeout_seconds": 2}))
    outcome: list[BaseException | None] = []

    def request() -> None:
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - what the request got
            outcome.append(exc)

    try:
        with engine.connect() as conn:  # pooled; then the server's node disappears
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        partition.start()
        worker = threading.Thread(target=request, daemon=True)
        worker.start()
        worker.join(60)  # without the TCP timeout this waits out TCP's retransmissions (~15 minutes)
        assert not worker.is_alive(), "the request still waits on a server that is gone"
        assert isinstance(outcome[0], OperationalError), outcome
        partition.stop()  # the server is back: the next request gets a new connection
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 42").scalar() == 42
    finally:
        partition.stop()
        engine.dispose()
