"""Entry point; the commands live in labelhive_cli.commands."""

from __future__ import annotations


def main() -> None:
    from labelhive_cli.commands import app

    app()
