"""/auth, /invites and /users endpoints."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from labelhive_api.accounts import service
from labelhive_api.accounts.cookies import clear_login_cookies, login_response, public_base
from labelhive_api.accounts.models import User
from labelhive_api.accounts.schemas import (
    InviteAccept,
    InviteCreated,
    InviteIn,
    InviteOut,
    InvitePreview,
    LoginIn,
    LoginOut,
    MembershipOut,
    MeOut,
    MeUpdate,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserAdminUpdate,
    UserOut,
)
from labelhive_api.api.deps import (
    SESSION_COOKIE,
    Access,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    client_address,
    require,
    require_global,
)
from labelhive_api.db.base import utcnow
from labelhive_api.errors import Forbidden, NotFound, Unprocessable
from labelhive_api.security import csrf
from labelhive_api.security.password_policy import password_problem
from labelhive_api.security.passwords import hash_password, verify_password
from labelhive_api.security.permissions import Permission, Role

router = APIRouter(tags=["accounts"])

Public = Depends(require_global(Permission.PUBLIC))
SignedIn = Annotated[User, Depends(require_global(Permission.AUTHENTICATED))]
PlatformAdmin = Annotated[User, Depends(require_global(Permission.PLATFORM_ADMIN))]
InviteManager = Annotated[Access, Depends(require(Permission.INVITES_MANAGE))]


@router.post("/auth/login", dependencies=[Public])
def login(
    body: LoginIn, request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> LoginOut:
    if not csrf.origin_allowed(request.headers, settings.public_urls):
        raise Forbidden("request origin is not this server", code="csrf_origin_mismatch")
    result = service.login(
        session, settings, email=body.email, password=body.password, address=client_address(request)
    )
    session.commit()
    return login_response(request, response, result)


@router.post("/auth/logout", status_code=204)
def logout(user: SignedIn, request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.logout(session, token)
        session.commit()
    response = Response(status_code=204)
    clear_login_cookies(response)
    return response


def _me(session: SessionDep, user: User) -> MeOut:
    rows = service.memberships_of(session, user.id)
    return MeOut(
        **UserOut.model_validate(user).model_dump(),
        memberships=[MembershipOut(project_id=p, project_name=n, role=Role(r)) for p, n, r in rows],
    )


@router.get("/auth/me")
def me(user: SignedIn, session: SessionDep) -> MeOut:
    return _me(session, user)


@router.patch("/auth/me")
def update_me(body: MeUpdate, user: SignedIn, principal: PrincipalDep, session: SessionDep) -> MeOut:
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.locale is not None:
        user.locale = body.locale
    if body.new_password is not None:
        if not body.current_password or not verify_password(user.password_hash, body.current_password):
            raise Unprocessable("current password is wrong", code="wrong_password")
        if problem := password_problem(body.new_password, user.email):
            raise Unprocessable(problem, code="weak_password")
        user.password_hash = hash_password(body.new_password)
        # Every other session and every API token ends; this browser session stays signed in.
        service.revoke_credentials(session, user.id, keep_session_id=principal.session_id)
    session.commit()
    return _me(session, user)


@router.get("/auth/tokens")
def list_tokens(user: SignedIn, session: SessionDep) -> list[TokenOut]:
    return [TokenOut.model_validate(r) for r in service.tokens_of(session, user.id)]


@router.post("/auth/tokens", status_code=201)
def create_token(body: TokenIn, user: SignedIn, principal: PrincipalDep, session: SessionDep) -> TokenCreated:
    """Only from a signed-in browser session: a leaked token cannot mint itself successors."""
    if principal.via != "session":
        raise Forbidden(
            "API tokens are created from a signed-in session, not with a token", code="token_from_token"
        )
    expires = utcnow() + timedelta(days=body.expires_in_days)
    row, token = service.create_api_token(session, user, body.name, expires)
    session.commit()
    return TokenCreated(**TokenOut.model_validate(row).model_dump(), token=token)


@router.delete("/auth/tokens/{token_id}", status_code=204)
def revoke_token(token_id: int, user: SignedIn, session: SessionDep) -> Response:
    if not service.revoke_api_token(session, user, token_id):
        raise NotFound("token not found", code="token_not_found")
    session.commit()
    return Response(status_code=204)


@router.get("/users")
def list_users(admin: PlatformAdmin, session: SessionDep) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in service.all_users(session)]


@router.patch("/users/{user_id}")
def update_user(user_id: int, body: UserAdminUpdate, admin: PlatformAdmin, session: SessionDep) -> UserOut:
    """Deactivate (or reactivate) an account, grant or revoke platform admin."""
    user = service.get_user(session, user_id)
    if user is None:
        raise NotFound("user not found", code="user_not_found")
    if user.id == admin.id and (body.is_active is False or body.is_admin is False):
        raise Unprocessable("you cannot lock yourself out", code="cannot_demote_self")
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(user, field, value)
    if body.is_active is False:
        service.revoke_credentials(session, user.id)
    session.commit()
    return UserOut.model_validate(user)


def _invite_created(request: Request, invite: object, token: str) -> InviteCreated:
    out = InviteOut.model_validate(invite)
    return InviteCreated(**out.model_dump(), token=token, url=f"{public_base(request)}/invite/{token}")


@router.post("/invites", status_code=201)
def create_platform_invite(
    body: InviteIn, request: Request, admin: PlatformAdmin, session: SessionDep
) -> InviteCreated:
    invite, token = service.create_invite(
        session,
        creator=admin,
        creator_role=Role.ADMIN,
        project_id=None,
        role=body.role,
        expires_in_hours=body.expires_in_hours,
        max_uses=body.max_uses,
        email=body.email,
    )
    session.commit()
    return _invite_created(request, invite, token)


@router.post("/projects/{project_id}/invites", status_code=201)
def create_project_invite(
    body: InviteIn, request: Request, access: InviteManager, session: SessionDep
) -> InviteCreated:
    invite, token = service.create_invite(
        session,
        creator=access.user,
        creator_role=access.role,
        project_id=access.project_id,
        role=body.role,
        expires_in_hours=body.expires_in_hours,
        max_uses=body.max_uses,
        email=body.email,
    )
    session.commit()
    return _invite_created(request, invite, token)


@router.get("/projects/{project_id}/invites")
def list_project_invites(access: InviteManager, session: SessionDep) -> list[InviteOut]:
    return [InviteOut.model_validate(r) for r in service.project_invites(session, access.project_id)]


@router.delete("/projects/{project_id}/invites/{invite_id}", status_code=204)
def revoke_project_invite(invite_id: int, access: InviteManager, session: SessionDep) -> Response:
    if not service.revoke_project_invite(session, access.project_id, invite_id):
        raise NotFound("invite not found", code="invite_not_found")
    session.commit()
    return Response(status_code=204)


@router.get("/invites/{token}", dependencies=[Public])
def preview_invite(token: str, session: SessionDep) -> InvitePreview:
    invite = service.peek_invite(session, token)
    project = service.invite_project(session, invite)
    return InvitePreview(
        role=Role(invite.role),
        project_id=invite.project_id,
        project_name=project.name if project else None,
        project_locale=project.default_locale if project else None,
        email=invite.email,
        expires_at=invite.expires_at,
    )


@router.post("/invites/{token}/accept", status_code=201, dependencies=[Public])
def accept_invite(
    token: str,
    body: InviteAccept,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> LoginOut:
    if not csrf.origin_allowed(request.headers, settings.public_urls):
        raise Forbidden("request origin is not this server", code="csrf_origin_mismatch")
    service.accept_invite(
        session,
        token=token,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
        locale=body.locale,
    )
    result = service.login(
        session, settings, email=body.email, password=body.password, address=client_address(request)
    )
    session.commit()
    return login_response(request, response, result)
