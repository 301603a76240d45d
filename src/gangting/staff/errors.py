"""Named errors of authentication and authorisation."""

from gangting.kernel.errors import Forbidden, Unauthenticated


class BadCredentials(Unauthenticated):
    code = "auth.bad_credentials"


class TokenInvalid(Unauthenticated):
    code = "auth.token_invalid"


class RoleRequired(Forbidden):
    code = "auth.role_required"


class OutOfScope(Forbidden):
    code = "auth.out_of_scope"
