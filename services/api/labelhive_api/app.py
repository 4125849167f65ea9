"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from labelhive_api.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    app = FastAPI(title="LabelHive API", version="0.1.0")
    app.state.settings = settings

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
