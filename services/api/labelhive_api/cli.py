"""`labelhive-api` command line: serve the API."""

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
        name = "LABELHIVE_" + str(err["loc"][0]).upper()
        print(f"configuration error: {name}: {err['msg']}", file=sys.stderr)
        raise typer.Exit(2) from None


@cli.command()
def serve() -> None:
    """Run the HTTP server."""
    settings = _settings_or_exit()
    from labelhive_api.app import create_app

    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


def main() -> None:
    cli()
