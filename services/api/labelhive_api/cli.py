"""`labelhive-api` command line: serve the API, migrate the database."""

from __future__ import annotations

import sys

import typer
import uvicorn
from pydantic import ValidationError

from labelhive_api.settings import Settings, load_settings

cli = typer.Typer(add_completion=False, help="LabelHive API server")


def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(x) for x in err["loc"]]
        msg = str(err["msg"])
        if not loc and ":" in msg:  # model-level check: "Value error, secret_key: ..."
            name, _, msg = msg.removeprefix("Value error, ").partition(": ")
            loc = [name]
        name = "LABELHIVE_" + (loc[0].upper() if loc else "SETTINGS")
        print(f"configuration error: {name}: {msg}", file=sys.stderr)
        raise typer.Exit(2) from None


def _migrate(settings: Settings) -> None:
    from labelhive_api.db import migrate
    from labelhive_api.db.engine import make_engine

    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings)
    try:
        migrate.upgrade(engine, settings.database_schema)
    finally:
        engine.dispose()


def _bootstrap_admin(settings: Settings) -> str | None:
    """Ensures every bootstrap admin (LABELHIVE_BOOTSTRAP_ADMIN_EMAIL and _EMAILS); says who, never the password."""
    if not (settings.bootstrap_admins and settings.bootstrap_admin_password):
        return None
    from sqlalchemy.exc import IntegrityError

    from labelhive_api.accounts.service import ensure_bootstrap_admin
    from labelhive_api.db.engine import Database

    db = Database.from_settings(settings)
    done = []
    try:
        for email in settings.bootstrap_admins:
            try:
                with db.session() as session:
                    user, created = ensure_bootstrap_admin(
                        session, email, settings.bootstrap_admin_password, locale=settings.default_locale
                    )
                    done.append(f"{user.email} ({'created' if created else 'exists'})")
            except IntegrityError:
                # Another replica created it at the same moment.
                done.append(f"{email} (exists)")
    finally:
        db.dispose()
    return ", ".join(done)


@cli.command()
def migrate() -> None:
    """Upgrade the database to the latest schema (run by a Job before each rollout), then ensure the
    bootstrap admin."""
    settings = _settings_or_exit()
    _migrate(settings)
    admin = _bootstrap_admin(settings)
    print("database migrated to head" + (f"; bootstrap admin {admin}" if admin else ""))


@cli.command()
def serve() -> None:
    """Run the HTTP server (in development it first migrates the database itself)."""
    settings = _settings_or_exit()
    if settings.environment == "development":
        _migrate(settings)
    from labelhive_api.db import migrate as migrations
    from labelhive_api.db.engine import make_engine

    engine = make_engine(settings)
    try:
        with engine.connect() as conn:
            current = migrations.current_revision(conn, settings.database_schema)
    finally:
        engine.dispose()
    if current != migrations.head_revision():
        print(
            f"database is at {current}, code needs {migrations.head_revision()}: run 'labelhive-api migrate' first",
            file=sys.stderr,
        )
        raise typer.Exit(3)
    admin = _bootstrap_admin(settings)
    from labelhive_api.app import create_app

    base = f"http://{settings.host}:{settings.port}/"
    if admin:
        print(f"LabelHive on {base}  -  log in as {settings.bootstrap_admins[0]}", flush=True)
        if settings.environment == "development":
            print(
                f"  password: {settings.bootstrap_admin_password}  (LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD)",
                flush=True,
            )
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,  # the app logs one structured line per request itself
        # X-Forwarded-* are honoured by the app only from LABELHIVE_TRUSTED_PROXIES (api/forwarded.py).
        proxy_headers=False,
    )


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
