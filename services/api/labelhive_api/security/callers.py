"""Who is calling: the user behind an API token or a browser session and, in the same query, a project
and the caller's role in it (one round trip per request; `api/deps.py` applies it, with CSRF)."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Select, and_, bindparam, literal, or_, select

from labelhive_api.accounts.models import ApiToken, AuthSession, User
from labelhive_api.projects.models import Membership, Project


@functools.cache
def caller_query(by_token: bool, with_project: bool) -> Select[Any]:
    """The caller (and the project with their role in it): built once per shape, values bound per request."""
    if by_token:
        query = (
            select(User, literal(None), ApiToken.id)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(
                ApiToken.token_hash == bindparam("token_hash"),
                ApiToken.revoked.is_(False),
                or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > bindparam("now")),
            )
        )
    else:
        query = (
            select(User, AuthSession.csrf_token, AuthSession.id)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(
                AuthSession.token_hash == bindparam("token_hash"), AuthSession.expires_at > bindparam("now")
            )
        )
    if with_project:
        query = (
            query.add_columns(Project, Membership.role)
            .outerjoin(Project, Project.id == bindparam("project_id"))
            .outerjoin(Membership, and_(Membership.project_id == Project.id, Membership.user_id == User.id))
        )
    return query
