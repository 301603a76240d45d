"""Named errors of authentication and authorisation."""

from gangting.kernel.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated


class BadCredentials(Unauthenticated):
    code = "auth.bad_credentials"


class TokenInvalid(Unauthenticated):
    code = "auth.token_invalid"


class RoleRequired(Forbidden):
    code = "auth.role_required"


class OutOfScope(Forbidden):
    code = "auth.out_of_scope"


class AccountUnknown(NotFound):
    code = "staff.account_unknown"


class RoleInvalid(Invalid):
    code = "staff.role_invalid"


class RoleReasonRequired(Invalid):
    code = "staff.role_reason_required"


class OwnRole(Forbidden):
    code = "staff.own_role"


class AdminRoleAdminsOnly(Forbidden):
    code = "staff.admin_role_admins_only"


class RoleUnchanged(Conflict):
    code = "staff.role_unchanged"
