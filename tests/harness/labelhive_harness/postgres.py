"""A private PostgreSQL server on loopback (Debian's postgresql package), or the one in the environment."""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from labelhive_harness.common import (
    HarnessError,
    ensure_debian_packages,
    free_port,
    run_dir,
    stop_process,
    wait_for,
)

ENV_URL = "LABELHIVE_TEST_DATABASE_URL"


@dataclass
class Postgres:
    """`url` is a SQLAlchemy/psycopg URL for a superuser on database `labelhive_test`."""

    url: str
    host: str
    port: int
    user: str
    password: str
    dbname: str
    log: Path | None = None
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _command: list[str] = field(default_factory=list, repr=False)

    @property
    def admin_dsn(self) -> str:
        """libpq DSN (psycopg.connect) for the same superuser on the same database."""
        return f"host={self.host} port={self.port} user={self.user} password={self.password} dbname={self.dbname}"

    def stop(self) -> None:
        if self._process is not None:
            stop_process(self._process)

    def start(self) -> None:
        """Start again (after stop()) on the same port and data."""
        if not self._command or self.log is None:
            raise HarnessError("this PostgreSQL was not started by the harness; it cannot be restarted")
        self._process = subprocess.Popen(
            self._command, stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for(self._ready, what="PostgreSQL", timeout=60, log=self.log, process=self._process)

    def _ready(self) -> bool:
        import psycopg

        with psycopg.connect(self.admin_dsn, connect_timeout=2):
            return True


def _bindir() -> Path:
    ensure_debian_packages({"/usr/lib/postgresql": "postgresql"})
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not found:
        raise HarnessError("PostgreSQL server binaries not found: run 'apt-get install -y postgresql'")
    return Path(found[-1]).parent


def _demote() -> tuple[list[str], str | None]:
    """PostgreSQL refuses to run as root: run it as the 'postgres' system user then."""
    if os.geteuid() != 0:
        return [], None
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise HarnessError(
            "running as root but no 'postgres' user exists: install Debian's postgresql"
        ) from exc
    return ["runuser", "-u", "postgres", "--"], "postgres"


def start_postgres(host: str = "127.0.0.1", clients: tuple[str, ...] = ()) -> Postgres:
    """`host`: listen there too (besides loopback); `clients`: CIDRs allowed to log in with a password."""
    if url := os.environ.get(ENV_URL):
        from urllib.parse import urlsplit

        parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
        return Postgres(
            url=url,
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or "",
            dbname=parts.path.lstrip("/") or "postgres",
        )
    bindir = _bindir()
    prefix, owner = _demote()
    data = run_dir("postgres")
    pgdata = data / "pgdata"
    log = data / "postgres.log"
    password = secrets.token_hex(12)
    pwfile = data / "pwfile"
    pwfile.write_text(password)
    if owner:
        subprocess.run(["chown", "-R", owner, str(data)], check=True)
    init = subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(pgdata),
            "-U",
            "postgres",
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        capture_output=True,
        text=True,
    )
    if init.returncode != 0:
        raise HarnessError(f"initdb failed: {init.stderr.strip().splitlines()[-1:]} (data dir: {pgdata})")
    with (pgdata / "pg_hba.conf").open("a") as hba:
        hba.writelines(f"host all all {cidr} scram-sha-256\n" for cidr in clients)
    port = free_port()
    out = log.open("ab")
    command = [
        *prefix,
        str(bindir / "postgres"),
        "-D",
        str(pgdata),
        "-p",
        str(port),
        "-k",
        str(data),
        "-c",
        f"listen_addresses={','.join(dict.fromkeys(['127.0.0.1', host]))}",
        "-c",
        "max_connections=300",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "shared_buffers=256MB",
    ]
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    pg = Postgres(
        url=f"postgresql+psycopg://postgres:{password}@{host}:{port}/labelhive_test",
        host=host,
        port=port,
        user="postgres",
        password=password,
        dbname="labelhive_test",
        log=log,
        _process=process,
        _command=command,
    )
    import psycopg

    def ready() -> bool:
        with psycopg.connect(
            host="127.0.0.1",
            port=port,
            user="postgres",
            password=password,
            dbname="postgres",
            connect_timeout=2,
            autocommit=True,
        ) as conn:
            conn.execute("CREATE DATABASE labelhive_test")
        return True

    wait_for(ready, what="PostgreSQL", timeout=60, log=log, process=process)
    return pg
