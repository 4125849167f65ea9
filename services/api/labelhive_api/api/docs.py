"""`/api/v1/docs`: Swagger UI served from this server, so the page works where nothing outside is reachable.

The Swagger UI bundle, its stylesheet and the favicon come from the `fastapi-offline` wheel (a registry
package in the lock, so the API image carries them); the page has no inline script (the HTML
Content-Security-Policy allows scripts from the origin only) and starts Swagger UI from `swagger-init.js`.
"""

from __future__ import annotations

import html
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, params
from fastapi.responses import FileResponse, HTMLResponse
from starlette.staticfiles import StaticFiles

DOCS_URL = "/api/v1/docs"
ASSETS_URL = "/api/v1/docs/assets"
_INIT = Path(__file__).with_name("docs_assets") / "swagger-init.js"


def bundle_dir() -> Path:
    """The folder of Swagger UI files shipped inside the installed `fastapi-offline` package."""
    return Path(str(resources.files("fastapi_offline") / "static"))


def page(title: str, openapi_url: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<link rel="icon" type="image/png" href="{ASSETS_URL}/favicon.png">
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{html.escape(openapi_url)}"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="{ASSETS_URL}/swagger-init.js"></script>
</body>
</html>
"""


def install(app: FastAPI, public: params.Depends) -> None:
    """Adds the docs page and its files (call before any catch-all route)."""
    openapi_url = app.openapi_url or "/api/v1/openapi.json"
    body = page(f"{app.title} - Swagger UI", openapi_url)

    @app.get(DOCS_URL, include_in_schema=False, dependencies=[public])
    def docs() -> HTMLResponse:
        return HTMLResponse(body)

    @app.get(f"{ASSETS_URL}/swagger-init.js", include_in_schema=False, dependencies=[public])
    def init_script() -> FileResponse:
        return FileResponse(_INIT, media_type="text/javascript")

    app.mount(ASSETS_URL, StaticFiles(directory=bundle_dir()), name="docs-assets")
