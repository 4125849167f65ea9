"""Every error leaves as application/problem+json with a stable `code`."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from labelhive_api.api.middleware import redact_path
from labelhive_api.errors import AppError, problem

log = logging.getLogger("labelhive_api")

PROBLEM = "application/problem+json"

_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        out.append(
            {
                "loc": [str(x) for x in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
        )
    return out


def _plain_problem(request: Request, status: int, code: str, detail: str) -> JSONResponse:
    return problem_response(status, problem(status, code, detail, instance=request.url.path))


def install(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> JSONResponse:
        headers = None
        if "retry_after" in exc.extra:
            headers = {"Retry-After": str(exc.extra["retry_after"])}
        return problem_response(exc.status, exc.problem(request.url.path), headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _jsonable_errors(exc.errors())
        malformed = any(e["type"] == "json_invalid" for e in errors)
        code = "malformed_json" if malformed else "validation_failed"
        status = 400 if malformed else 422
        body = problem(
            status,
            code,
            "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5]),
            title="Malformed JSON" if malformed else "Invalid request",
            instance=request.url.path,
            errors=errors,
        )
        return problem_response(status, json.loads(json.dumps(body, default=str)))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        body = problem(exc.status_code, code, str(exc.detail), instance=request.url.path)
        return problem_response(exc.status_code, body, getattr(exc, "headers", None))

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # A value the database cannot hold (e.g. an id >= 2**63 inside a JSON body).
        return _plain_problem(request, 422, "invalid_value", "a value in the request is out of range")

    @app.exception_handler(RecursionError)
    async def too_deep(request: Request, exc: Exception) -> JSONResponse:
        return _plain_problem(request, 400, "malformed_json", "the request is nested too deeply")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, redact_path(request.url.path))
        detail = "an unexpected error occurred; it has been logged"
        body = problem(500, "internal_error", detail, title="Internal error", instance=request.url.path)
        return problem_response(500, body)
