"""POST /auth/signup: self-service accounts, only where the manifest says `auth.signup: open`. The account
has no project and no admin rights until someone adds it; invite-only sites answer 403 signup_closed; an
address that has an account answers 409 email_taken."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field

from labelhive_api.accounts import service
from labelhive_api.accounts.cookies import login_response
from labelhive_api.accounts.schemas import Email, LoginOut, Password
from labelhive_api.api.deps import SessionDep, SettingsDep, client_address, require_global
from labelhive_api.api.schemas import RequestBody
from labelhive_api.errors import Forbidden
from labelhive_api.security import csrf
from labelhive_api.security.permissions import Permission

router = APIRouter(tags=["accounts"])


class SignupIn(RequestBody):
    email: str = Email
    password: str = Password
    display_name: str = Field(min_length=1, max_length=200)
    locale: str | None = Field(None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@router.post("/auth/signup", status_code=201, dependencies=[Depends(require_global(Permission.PUBLIC))])
def signup(
    body: SignupIn, request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> LoginOut:
    if settings.signup != "open":
        raise Forbidden("this site is invite-only: ask an admin for an invite link", code="signup_closed")
    if not csrf.origin_allowed(request.headers, settings.public_urls):
        raise Forbidden("request origin is not this server", code="csrf_origin_mismatch")
    service.create_user(
        session,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
        locale=body.locale or settings.default_locale,
    )
    result = service.login(
        session, settings, email=body.email, password=body.password, address=client_address(request)
    )
    session.commit()
    return login_response(request, response, result)
