"""Session and CSRF cookies: HttpOnly + SameSite=Lax session, readable CSRF token; Secure over HTTPS."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request, Response

from labelhive_api.accounts import service
from labelhive_api.accounts.schemas import LoginOut, UserOut
from labelhive_api.api.deps import SESSION_COOKIE
from labelhive_api.security.csrf import CSRF_COOKIE


def is_https(request: Request) -> bool:
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return (proto or request.url.scheme) == "https"


def public_base(request: Request) -> str:
    """The URL the browser used, as seen through any proxy (for links we hand out)."""
    host = (
        (request.headers.get("x-forwarded-host") or request.headers.get("host") or "").split(",")[0].strip()
    )
    scheme = "https" if is_https(request) else "http"
    prefix = request.headers.get("x-forwarded-prefix", "").rstrip("/")
    return f"{scheme}://{host}{prefix}" if host else str(request.base_url).rstrip("/")


def set_login_cookies(request: Request, response: Response, token: str, csrf: str, expires: datetime) -> None:
    secure = is_https(request)
    response.set_cookie(
        SESSION_COOKIE, token, expires=expires, httponly=True, samesite="lax", secure=secure, path="/"
    )
    response.set_cookie(
        CSRF_COOKIE, csrf, expires=expires, httponly=False, samesite="lax", secure=secure, path="/"
    )


def clear_login_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


def login_response(request: Request, response: Response, result: service.LoginResult) -> LoginOut:
    """Signed in: the session and CSRF cookies on the response, the user and CSRF token in the body."""
    set_login_cookies(request, response, result.session_token, result.csrf_token, result.expires_at)
    return LoginOut(
        user=UserOut.model_validate(result.user), csrf_token=result.csrf_token, expires_at=result.expires_at
    )
