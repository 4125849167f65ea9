"""Accounts: login with a rate limit, sessions, API tokens, invites, the bootstrap admin."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from labelhive_api.accounts.exceptions import (
    EmailTaken,
    InvalidCredentials,
    InviteExpired,
    InviteNotFound,
    InviteUsedUp,
    LoginRateLimited,
)
from labelhive_api.accounts.models import ApiToken, AuthSession, Invite, LoginAttempt, User
from labelhive_api.db.base import utcnow
from labelhive_api.errors import Forbidden, Unprocessable
from labelhive_api.projects.models import Membership, Project
from labelhive_api.security.password_policy import password_problem
from labelhive_api.security.passwords import hash_password, verify_password
from labelhive_api.security.permissions import GRANTABLE, Role
from labelhive_api.security.tokens import new_token, token_hash
from labelhive_api.settings import Settings


def normalize_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    display_name: str,
    locale: str = "zh-CN",
    is_admin: bool = False,
) -> User:
    if user_by_email(session, email) is not None:
        raise EmailTaken()
    user = User(
        email=normalize_email(email),
        password_hash=hash_password(password),
        display_name=display_name,
        locale=locale,
        is_admin=is_admin,
        is_active=True,
    )
    session.add(user)
    session.flush()
    return user


def ensure_bootstrap_admin(
    session: Session, email: str, password: str, locale: str = "zh-CN"
) -> tuple[User, bool]:
    """Create the first admin if missing; never changes an existing account's password."""
    user = user_by_email(session, email)
    if user is not None:
        if not user.is_admin:
            user.is_admin = True
        return user, False
    user = create_user(
        session, email=email, password=password, display_name="Admin", locale=locale, is_admin=True
    )
    return user, True


@dataclass
class LoginResult:
    user: User
    session_token: str
    csrf_token: str
    expires_at: datetime


def _count(session: Session, *conditions: Any) -> int:
    return session.scalar(select(func.count()).select_from(LoginAttempt).where(*conditions)) or 0


def _check_login_limits(
    session: Session, settings: Settings, email: str, address: str, now: datetime
) -> None:
    """Per address: a hard limit for the window. Per account: past the limit, addresses the owner never
    logged in from wait between attempts, 30 s doubling per further failure up to the window; addresses
    the owner used before are not held back, so a stranger's failures never lock the owner out."""
    window = timedelta(seconds=settings.login_window_seconds)
    failed = LoginAttempt.succeeded.is_(False)
    recent = LoginAttempt.at >= now - window
    if (
        _count(session, LoginAttempt.address == address, recent, failed)
        >= settings.login_max_failures_per_address
    ):
        raise LoginRateLimited(retry_after=settings.login_window_seconds)
    failures = _count(session, LoginAttempt.email == email, recent, failed)
    over = failures - settings.login_max_failures_per_account
    if over < 0:
        return
    known = session.scalar(
        select(LoginAttempt.id)
        .where(LoginAttempt.email == email, LoginAttempt.address == address, LoginAttempt.succeeded.is_(True))
        .limit(1)
    )
    if known is not None:
        return
    last = session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.email == email, recent, failed)
    )
    wait = min(float(settings.login_window_seconds), 30.0 * 2**over)
    waited = (now - last).total_seconds() if last is not None else wait
    if waited < wait:
        raise LoginRateLimited(retry_after=max(1, math.ceil(wait - waited)))


def login(session: Session, settings: Settings, *, email: str, password: str, address: str) -> LoginResult:
    email = normalize_email(email)
    address = address[:64]
    now = utcnow()
    _check_login_limits(session, settings, email, address, now)
    user = user_by_email(session, email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        session.add(LoginAttempt(email=email, address=address, at=now))
        # The failure must be recorded even though the request fails.
        session.commit()
        raise InvalidCredentials()
    # This address is now one the owner uses; its own failures are forgiven, a stranger's stay counted.
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == email, LoginAttempt.address == address))
    session.add(LoginAttempt(email=email, address=address, at=now, succeeded=True))
    session.execute(delete(AuthSession).where(AuthSession.user_id == user.id, AuthSession.expires_at <= now))
    token, csrf = new_token(), new_token()
    expires = now + timedelta(hours=settings.session_hours)
    session.add(
        AuthSession(token_hash=token_hash(token), csrf_token=csrf, user_id=user.id, expires_at=expires)
    )
    session.flush()
    return LoginResult(user, token, csrf, expires)


def revoke_credentials(session: Session, user_id: int, keep_session_id: int | None = None) -> None:
    """After a password change (other sessions) or a disable (all): sessions end, API tokens are revoked
    for good, so re-enabling an account revives nothing."""
    sessions = delete(AuthSession).where(AuthSession.user_id == user_id)
    if keep_session_id is not None:
        sessions = sessions.where(AuthSession.id != keep_session_id)
    session.execute(sessions)
    session.execute(update(ApiToken).where(ApiToken.user_id == user_id).values(revoked=True))


def logout(session: Session, token: str) -> None:
    session.execute(delete(AuthSession).where(AuthSession.token_hash == token_hash(token)))


def create_api_token(
    session: Session, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    token = new_token("lh_")
    row = ApiToken(
        user_id=user.id, name=name, token_hash=token_hash(token), prefix=token[:7], expires_at=expires_at
    )
    session.add(row)
    session.flush()
    return row, token


def revoke_api_token(session: Session, user: User, token_id: int) -> bool:
    result = session.execute(
        update(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id).values(revoked=True)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def create_invite(
    session: Session,
    *,
    creator: User,
    creator_role: Role | None,
    project_id: int | None,
    role: Role,
    expires_in_hours: int,
    max_uses: int,
    email: str | None,
) -> tuple[Invite, str]:
    if not creator.is_admin and (creator_role is None or role not in GRANTABLE[creator_role]):
        raise Forbidden(f"you cannot invite someone as {role.value}", code="role_not_grantable")
    token = new_token()
    invite = Invite(
        token_hash=token_hash(token),
        project_id=project_id,
        role=role.value,
        email=normalize_email(email) if email else None,
        created_by=creator.id,
        expires_at=utcnow() + timedelta(hours=expires_in_hours),
        max_uses=max_uses,
    )
    session.add(invite)
    session.flush()
    return invite, token


def _usable_invite(session: Session, token: str) -> Invite:
    invite = session.scalar(select(Invite).where(Invite.token_hash == token_hash(token)).with_for_update())
    if invite is None or invite.revoked:
        raise InviteNotFound()
    if invite.expires_at <= utcnow():
        raise InviteExpired()
    if invite.uses >= invite.max_uses:
        raise InviteUsedUp()
    return invite


def peek_invite(session: Session, token: str) -> Invite:
    return _usable_invite(session, token)


def accept_invite(
    session: Session, *, token: str, email: str, password: str, display_name: str, locale: str
) -> User:
    """Create the account and its membership; the invite row is locked so concurrent uses count right."""
    invite = _usable_invite(session, token)
    if invite.email and invite.email != normalize_email(email):
        raise Forbidden("this invite is for another email address", code="invite_email_mismatch")
    existing = user_by_email(session, email)
    if existing is not None:
        # Someone who already has an account joins another project: they prove it with their password.
        if invite.project_id is None or not verify_password(existing.password_hash, password):
            raise EmailTaken()
        user = existing
    else:
        if problem := password_problem(password, email):
            raise Unprocessable(problem, code="weak_password")
        user = create_user(session, email=email, password=password, display_name=display_name, locale=locale)
    invite.uses += 1
    if invite.project_id is not None:
        membership = session.get(Membership, (invite.project_id, user.id))
        if membership is None:
            session.add(Membership(project_id=invite.project_id, user_id=user.id, role=invite.role))
        else:
            membership.role = invite.role
    elif invite.role == Role.ADMIN.value:
        user.is_admin = True
    session.flush()
    return user


# -- listings the account pages show -------------------------------------------------------------------


def memberships_of(session: Session, user_id: int) -> list[tuple[int, str, str]]:
    """(project id, project name, role) of every project the user belongs to."""
    rows = session.execute(
        select(Membership.project_id, Project.name, Membership.role)
        .join(Project, Project.id == Membership.project_id)
        .where(Membership.user_id == user_id)
        .order_by(Membership.project_id)
    ).all()
    return [(p, n, r) for p, n, r in rows]


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def project_invites(session: Session, project_id: int) -> list[Invite]:
    return list(session.scalars(select(Invite).where(Invite.project_id == project_id).order_by(Invite.id)))


def revoke_project_invite(session: Session, project_id: int, invite_id: int) -> bool:
    invite = session.get(Invite, invite_id)
    if invite is None or invite.project_id != project_id:
        return False
    invite.revoked = True
    return True


def invite_project(session: Session, invite: Invite) -> Project | None:
    return session.get(Project, invite.project_id) if invite.project_id else None
