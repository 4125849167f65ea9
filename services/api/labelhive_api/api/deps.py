"""Request dependencies: the unit-of-work session, who is calling, and what they may do.

Every route declares its permission with `require(Permission.X)` (project-scoped, reads `project_id`
from the path) or `require_global(Permission.Y)`; tests walk the route table to enforce it.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelhive_api.accounts.models import User
from labelhive_api.db.base import utcnow
from labelhive_api.db.engine import Database, read_only
from labelhive_api.errors import Forbidden, NotFound, Unauthorized
from labelhive_api.projects.models import Membership, Project
from labelhive_api.security import csrf
from labelhive_api.security.callers import caller_query
from labelhive_api.security.permissions import Permission, Role, role_allows
from labelhive_api.security.tokens import token_hash
from labelhive_api.settings import Settings

SESSION_COOKIE = "labelhive_session"


# Plain attribute reads: `async` so FastAPI calls them on the event loop instead of a worker thread.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_database(request: Request) -> Database:
    return request.app.state.db


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request; routes commit explicitly, anything uncommitted is rolled back.
    GET/HEAD only read: on SQLite they never take the write lock.

    `async`: opening a session does no I/O, so it costs no worker-thread round trip; only a session still
    in a transaction at the end (reads, failed writes) is rolled back on a worker thread, shielded from
    cancellation so its connection always goes back to the pool."""
    session = request.app.state.db.sessions()
    if request.method in ("GET", "HEAD"):
        read_only(session)
    try:
        yield session
    finally:
        if session.in_transaction():
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_end, session)
        else:
            session.close()


def _end(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
DatabaseDep = Annotated[Database, Depends(get_database)]


@dataclass
class Principal:
    user: User
    via: str  # "session" | "token"
    session_id: int | None = None  # the browser session (cookie) it came with


def client_address(request: Request) -> str:
    """The caller's address; X-Forwarded-For was already resolved (or removed) by ForwardedHeaders."""
    return request.client.host[:64] if request.client else "unknown"


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _authenticate(
    request: Request, session: Session, settings: Settings, project_id: int | None = None
) -> tuple[Principal, Project | None, str | None]:
    """Who is calling (bearer token or session cookie + CSRF) and, in the same round trip, the project and
    their role in it."""
    token = _bearer(request)
    cookie = request.cookies.get(SESSION_COOKIE) if token is None else None
    if token is None and not cookie:
        raise Unauthorized()
    query = caller_query(token is not None, project_id is not None)
    params: dict[str, Any] = {
        "token_hash": token_hash(token if token is not None else cookie or ""),
        "now": utcnow(),
    }
    if project_id is not None:
        params["project_id"] = project_id
    row = session.execute(query, params).first()
    if row is None or not row[0].is_active:
        if token is not None:
            raise Unauthorized("invalid or revoked API token", code="invalid_token")
        raise Unauthorized()
    user, session_csrf = row[0], row[1]
    if token is None and request.method not in csrf.SAFE_METHODS:
        if not csrf.origin_allowed(request.headers, settings.public_urls):
            raise Forbidden("request origin is not this server", code="csrf_origin_mismatch")
        header = request.headers.get(csrf.CSRF_HEADER)
        if not csrf.token_matches(request.cookies.get(csrf.CSRF_COOKIE), header) or not csrf.token_matches(
            session_csrf, header
        ):
            raise Forbidden("missing or wrong CSRF token", code="csrf_token_invalid")
    principal = Principal(
        user, "token" if token is not None else "session", None if token is not None else row[2]
    )
    if session.get_bind().dialect.name == "sqlite" and not (session.new or session.dirty or session.deleted):
        # SQLite: end the caller lookup's transaction (it holds the write lock), so a route that streams
        # an upload before it writes does not make every other request wait.
        session.commit()
    if project_id is None:
        return principal, None, None
    return principal, row[3], row[4]


def may_send_large_body(db: Database, headers: dict[str, str], cookie: str | None, project_id: int) -> bool:
    """Checked before an upload's body is read: does the request carry a live credential of someone who
    may import into this project? (The route authenticates fully again, CSRF included.)"""
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    token = value.strip() if scheme.lower() == "bearer" and value.strip() else None
    if token is None and not cookie:
        return False
    params: dict[str, Any] = {
        "token_hash": token_hash(token or cookie or ""),
        "project_id": project_id,
        "now": utcnow(),
    }
    with db.sessions() as session:
        row = session.execute(caller_query(token is not None, True), params).first()
    if row is None or not row[0].is_active or row[3] is None:
        return False
    return bool(row[0].is_admin or role_allows(row[4], Permission.TASKS_MANAGE))


def get_principal(request: Request, session: SessionDep, settings: SettingsDep) -> Principal:
    return _authenticate(request, session, settings)[0]


PrincipalDep = Annotated[Principal, Depends(get_principal)]


@dataclass
class Access:
    """The caller inside one project: their effective role (platform admins act as project admins)."""

    user: User
    project: Project
    role: Role

    @property
    def project_id(self) -> int:
        return self.project.id

    def can(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)


def _mark(dep: Callable[..., Any], permission: Permission) -> Callable[..., Any]:
    dep.permission = permission  # type: ignore[attr-defined]
    return dep


@functools.cache
def require(permission: Permission) -> Callable[..., Access]:
    """Project-scoped permission for routes under /projects/{project_id}. One dependency object per
    permission, so a route and the access dependencies it uses (`tasks.access`, `annotations.access`)
    share one authentication per request (FastAPI caches a dependency's result within a request)."""

    def dependency(project_id: int, request: Request, session: SessionDep, settings: SettingsDep) -> Access:
        # One round trip: the caller, the project and the caller's role in it.
        principal, project, role = _authenticate(request, session, settings, project_id)
        if project is None:
            raise NotFound("project not found", code="project_not_found")
        if principal.user.is_admin:
            return Access(principal.user, project, Role.ADMIN)
        if role is None:
            raise NotFound("project not found", code="project_not_found")
        if not role_allows(role, permission):
            raise Forbidden(
                f"your role ({role}) may not do this ({permission.value})", code="permission_denied"
            )
        return Access(principal.user, project, Role(role))

    return _mark(dependency, permission)


def require_global(permission: Permission) -> Callable[..., Any]:
    """Routes outside a project: public, any signed-in user, project creators, platform admins, the worker."""
    if permission is Permission.PUBLIC:

        def public() -> None:
            return None

        return _mark(public, permission)

    if permission is Permission.WORKER:

        def worker(request: Request, settings: SettingsDep) -> None:
            token = _bearer(request)
            if (
                not settings.worker_token
                or not token
                or not hmac.compare_digest(token, settings.worker_token)
            ):
                raise Unauthorized("worker token required", code="invalid_worker_token")

        return _mark(worker, permission)

    def signed_in(principal: PrincipalDep, session: SessionDep) -> User:
        user = principal.user
        if permission is Permission.PLATFORM_ADMIN and not user.is_admin:
            raise Forbidden("platform admins only", code="permission_denied")
        if permission is Permission.PROJECT_CREATE and not user.is_admin:
            leads = session.scalar(
                select(Membership.project_id)
                .where(
                    Membership.user_id == user.id, Membership.role.in_([Role.ADMIN.value, Role.MANAGER.value])
                )
                .limit(1)
            )
            if leads is None:
                raise Forbidden("only admins and managers create projects", code="permission_denied")
        return user

    return _mark(signed_in, permission)


def route_permission(dependant: Any) -> Permission | None:
    """The permission a route declared (found anywhere in its dependency tree)."""
    for dep in dependant.dependencies:
        found = getattr(dep.call, "permission", None) or route_permission(dep)
        if found:
            return found
    return None


ProjectAccess = Callable[..., Access]
