"""PostgreSQL side of a project: a login role with a connection limit and a schema it owns. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

import psycopg
from psycopg import sql


class DatabaseError(RuntimeError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ServerAddress:
    host: str
    port: int
    dbname: str


def parse_admin_url(url: str) -> tuple[str, ServerAddress]:
    """(libpq URL psycopg accepts, where the server is). Raises DatabaseError on a malformed URL."""
    plain = url.replace("postgresql+psycopg://", "postgresql://", 1).replace(
        "postgres://", "postgresql://", 1
    )
    parts = urlsplit(plain)
    if parts.scheme != "postgresql" or not parts.hostname:
        raise DatabaseError(
            "BadAdminSecret", "the admin Secret's url is not a postgresql://user:pw@host/db URL"
        )
    dbname = unquote(parts.path.lstrip("/")) or "postgres"
    return plain, ServerAddress(parts.hostname, parts.port or 5432, dbname)


def app_url(address: ServerAddress, role: str, password: str) -> str:
    """The project's DSN in the contract's form (postgresql+psycopg://role:pw@host:port/db)."""
    return (
        f"postgresql+psycopg://{quote(role, safe='')}:{quote(password, safe='')}"
        f"@{address.host}:{address.port}/{quote(address.dbname, safe='')}"
    )


def password_of(url: str) -> str | None:
    try:
        return unquote(urlsplit(url).password or "") or None
    except ValueError:
        return None


def _connect(admin_url: str) -> psycopg.Connection:
    plain, _ = parse_admin_url(admin_url)
    try:
        return psycopg.connect(plain, connect_timeout=5, autocommit=True)
    except psycopg.OperationalError as exc:
        text = str(exc)
        reason = (
            "DatabaseAuthFailed" if "password" in text or "authentication" in text else "DatabaseUnreachable"
        )
        # libpq messages name host and user but never the password.
        raise DatabaseError(reason, text.strip().splitlines()[0] if text.strip() else reason) from None


def ensure_role_and_schema(
    admin_url: str, role: str, schema: str, password: str, set_password: bool, connection_limit: int
) -> bool:
    """Create or repair the role and schema; returns True when the role was created."""
    created = False
    try:
        with _connect(admin_url) as conn:
            row = conn.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            ident = sql.Identifier(role)
            if row is None:
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} CONNECTION LIMIT {}").format(
                        ident, sql.Literal(password), sql.Literal(connection_limit)
                    )
                )
                conn.execute(
                    sql.SQL("ALTER ROLE {} SET search_path = {}").format(ident, sql.Identifier(schema))
                )
                created = True
            else:
                if row[0] != connection_limit:
                    conn.execute(
                        sql.SQL("ALTER ROLE {} CONNECTION LIMIT {}").format(
                            ident, sql.Literal(connection_limit)
                        )
                    )
                if set_password:
                    conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(password)))
            exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
            if exists is None:
                superuser = conn.execute(
                    "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
                ).fetchone()
                if not (superuser and superuser[0]):
                    # A CREATEROLE admin must be able to SET ROLE to make the role own the schema.
                    conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(ident))
                conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(
                        sql.Identifier(schema), ident
                    )
                )
    except psycopg.Error as exc:
        raise DatabaseError("DatabaseError", f"{type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    return created


def drop_role_and_schema(admin_url: str, role: str, schema: str) -> None:
    """deletionPolicy Delete: the schema with its tables, then the role. Missing ones are fine."""
    try:
        with _connect(admin_url) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,))
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
    except psycopg.Error as exc:
        raise DatabaseError("DatabaseError", f"{type(exc).__name__}: {str(exc).splitlines()[0]}") from None


def ping(admin_url: str) -> None:
    """Raises DatabaseError unless the server answers with these credentials."""
    with _connect(admin_url) as conn:
        conn.execute("SELECT 1")


@dataclass(frozen=True)
class ConnectionBudget:
    """The server's connection limit against what every limited login role (every project) may open."""

    max_connections: int
    reserved: int
    committed: int

    @property
    def available(self) -> int:
        return self.max_connections - self.reserved

    @property
    def fits(self) -> bool:
        return self.committed <= self.available

    def describe(self) -> str:
        return (
            f"login roles with a connection limit (every project) may open {self.committed} connections; "
            f"the server allows {self.available} (max_connections {self.max_connections} - "
            f"{self.reserved} reserved for superusers)"
        )


def connection_budget(admin_url: str) -> ConnectionBudget:
    try:
        with _connect(admin_url) as conn:
            row = conn.execute(
                "SELECT current_setting('max_connections')::int,"
                " current_setting('superuser_reserved_connections')::int,"
                " coalesce(sum(rolconnlimit) FILTER (WHERE rolconnlimit > 0 AND rolcanlogin AND NOT rolsuper), 0)"
                " FROM pg_roles"
            ).fetchone()
    except psycopg.Error as exc:
        raise DatabaseError("DatabaseError", f"{type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    assert row is not None
    return ConnectionBudget(int(row[0]), int(row[1]), int(row[2]))
