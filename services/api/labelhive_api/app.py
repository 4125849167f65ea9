"""The FastAPI application factory."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.staticfiles import StaticFiles

from labelhive_api.api import docs, problems
from labelhive_api.api.deps import may_send_large_body, require_global
from labelhive_api.api.forwarded import ForwardedHeaders
from labelhive_api.api.middleware import BodyLimit, IdRange, Metrics, RequestObserver
from labelhive_api.api.security_headers import SecurityHeaders, inline_script_hashes, ui_policy
from labelhive_api.background import background
from labelhive_api.db import migrate
from labelhive_api.db.engine import Database
from labelhive_api.errors import problem
from labelhive_api.logs import configure_logging
from labelhive_api.router import API_ROUTERS
from labelhive_api.security.networks import parse_networks
from labelhive_api.security.permissions import Permission
from labelhive_api.settings import Settings, load_settings

log = logging.getLogger("labelhive_api")


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_format)
    db = database or Database.from_settings(settings)
    owns_db = database is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            async with background(app):
                yield
        finally:
            if owns_db:
                db.dispose()

    app = FastAPI(
        title="LabelHive API",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        # Served by api/docs.py from files in the installed packages (FastAPI's own page loads a CDN).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    metrics = Metrics()
    app.state.metrics = metrics
    problems.install(app)

    public = [_public_dependency()]

    @app.get("/healthz", tags=["health"], dependencies=public)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], dependencies=public)
    def readyz() -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            with db.sessions() as session:
                session.execute(text("SELECT 1"))
                current = migrate.current_revision(session.connection(), settings.database_schema)
            checks["database"] = "ok"
            head = migrate.head_revision()
            checks["migrations"] = "ok" if current == head else f"at {current}, head is {head}"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            checks["database"] = f"unreachable: {type(exc).__name__}"
        ready = all(v == "ok" for v in checks.values()) and "migrations" in checks
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503
        )

    @app.get("/metrics", tags=["health"], dependencies=public)
    def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    for router in API_ROUTERS:
        app.include_router(router, prefix="/api/v1")
    docs.install(app, _public_dependency())
    _serve_ui(app, settings.ui_dir)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_json_body_bytes,
        upload_bytes=settings.max_upload_request_bytes,
        may_upload=functools.partial(may_send_large_body, db),
        tasks_bytes=settings.max_tasks_body_bytes,
    )
    policy = ui_policy(
        inline_script_hashes(settings.ui_dir / "index.html" if settings.ui_dir else None),
        settings.s3_public_endpoints,
    )
    app.add_middleware(SecurityHeaders, ui_policy=policy)
    app.add_middleware(IdRange)
    app.add_middleware(RequestObserver, metrics=metrics)
    app.add_middleware(ForwardedHeaders, trusted=parse_networks(settings.trusted_proxies))
    return app


def _public_dependency():
    from fastapi import Depends

    return Depends(require_global(Permission.PUBLIC))


def _serve_ui(app: FastAPI, ui_dir: Path | None) -> None:
    """The embedded default serves the built UI at `/`; unknown non-API paths get index.html (SPA routes)."""
    if ui_dir is None or not (ui_dir / "index.html").is_file():
        return
    index = ui_dir / "index.html"
    app.mount("/assets", StaticFiles(directory=ui_dir / "assets", check_dir=False), name="ui-assets")

    @app.get("/{path:path}", include_in_schema=False, dependencies=[_public_dependency()])
    def ui(path: str, request: Request) -> Response:
        if path.startswith("api/"):
            return problems.problem_response(404, problem(404, "not_found", "Not found"))
        candidate = (ui_dir / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(ui_dir.resolve()):
            return FileResponse(candidate)
        return FileResponse(index)
