"""One error base class; the app turns every AppError into application/problem+json with a stable code."""

from __future__ import annotations

from typing import Any


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    instance: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The body of every error response (RFC 9457 problem+json, plus our stable `code`)."""
    body: dict[str, Any] = {
        "type": f"https://labelhive.io/problems/{code}",
        "title": title or detail,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


class AppError(Exception):
    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str | None = None, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        self.extra = extra

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        return problem(self.status, self.code, self.detail, title=self.title, instance=instance, **self.extra)


class BadRequest(AppError):
    pass


class Unauthorized(AppError):
    status = 401
    code = "not_authenticated"
    title = "Not authenticated"


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class NotFound(AppError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(AppError):
    status = 409
    code = "conflict"
    title = "Conflict"


class Gone(AppError):
    status = 410
    code = "gone"
    title = "Gone"


class Unprocessable(AppError):
    status = 422
    code = "invalid"
    title = "Unprocessable content"


class TooManyRequests(AppError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"


class ServiceUnavailable(AppError):
    status = 503
    code = "unavailable"
    title = "Service unavailable"
