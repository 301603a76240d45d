"""Named errors of authentication and authorisation."""

from gangting.kernel.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    Unauthenticated,
)


class BadCredentials(Unauthenticated):
    code = "auth.bad_credentials"


class LoginThrottled(DomainError):
    """Too many failed log-ins for this name or from this address; ``data.retry_after_s``
    (also the ``Retry-After`` header) says when to try again."""

    http_status = 429
    code = "auth.too_many_attempts"


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


class OwnSecondFactor(Forbidden):
    code = "staff.own_second_factor"


class TotpNotBound(Conflict):
    code = "staff.totp_not_bound"


class AdminRoleAdminsOnly(Forbidden):
    code = "staff.admin_role_admins_only"


class RoleUnchanged(Conflict):
    code = "staff.role_unchanged"


class PasswordTooWeak(Invalid):
    """The new password fails the policy (``staff.passwords``); ``data.problems`` names why."""

    code = "staff.password_too_weak"


class PasswordWrong(Forbidden):
    """The current password given with a password change is not the account's."""

    code = "staff.password_wrong"


class PasswordUnchanged(Invalid):
    code = "staff.password_unchanged"


class TotpRequired(Unauthenticated):
    """The password was right; this account (an administrator or supervisor enrolled in the
    second factor) also needs its authenticator's code (``totp_code``)."""

    code = "staff.totp_required"


class TotpEnrolmentPending(Forbidden):
    """An enrolment token (an administrator's or supervisor's log-in before the second factor
    is bound) used for anything but binding it or logging out (docs/decisions/0019)."""

    code = "staff.totp_enrolment_required"


class TotpWrong(Unauthenticated):
    code = "staff.totp_wrong"


class TotpAlreadyEnrolled(Conflict):
    code = "staff.totp_already_enrolled"


class TotpNotStarted(Conflict):
    code = "staff.totp_not_started"


class TotpCodeInvalid(Invalid):
    code = "staff.totp_code_invalid"
