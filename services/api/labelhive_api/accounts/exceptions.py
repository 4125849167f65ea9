"""Account errors with stable codes the UI translates."""

from labelhive_api.errors import Conflict, Gone, NotFound, TooManyRequests, Unauthorized


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    title = "Wrong email or password"


class LoginRateLimited(TooManyRequests):
    code = "login_rate_limited"
    title = "Too many failed logins; try again later"


class InviteNotFound(NotFound):
    code = "invite_not_found"
    title = "Invite not found"


class InviteExpired(Gone):
    code = "invite_expired"
    title = "This invite has expired"


class InviteUsedUp(Gone):
    code = "invite_used_up"
    title = "This invite has already been used"


class EmailTaken(Conflict):
    code = "email_taken"
    title = "An account with this email already exists"
