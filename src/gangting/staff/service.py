"""Authentication for staff (argon2 passwords) and booths (their own secrets), bearer tokens,
roles (officer < supervisor < admin), and the booth and staff look-ups that check org-tree
scope (through ``staff.scope``)."""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CursorResult, delete, select

from gangting.audit import service as audit
from gangting.kernel.actor import Actor
from gangting.kernel.errors import DomainError
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff import passwords, roles, throttle, totp
from gangting.staff.errors import (
    AccountUnknown,
    BadCredentials,
    LoginThrottled,
    PasswordTooWeak,
    PasswordUnchanged,
    PasswordWrong,
    RoleRequired,
    TokenInvalid,
    TotpAlreadyEnrolled,
    TotpCodeInvalid,
    TotpEnrolmentPending,
    TotpNotBound,
    TotpNotStarted,
    TotpRequired,
    TotpWrong,
)
from gangting.staff.models import AccessToken, OrgUnit, StaffAccount, TokenSubjectKind
from gangting.staff.scope import require_scope, scoped

_hasher = PasswordHasher()
ROLE_RANK = {"officer": 1, "supervisor": 2, "admin": 3}
ROLE_ZH = {"officer": "民警", "supervisor": "督察", "admin": "管理员"}


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_hash() -> str:
    """A hash of a random secret nobody knows, made with the hasher's own parameters (once
    per process): a log-in with an unknown name is checked against it, so that it costs
    the same argon2 work as a known one (docs/decisions/0014)."""
    return _hasher.hash(secrets.token_urlsafe(32))


def verify_or_dummy(stored_hash: str | None, secret: str) -> bool:
    """``verify_secret`` against ``stored_hash``, or the same work against ``dummy_hash``
    (always ``False``) when there is no stored hash."""
    if stored_hash is None:
        verify_secret(dummy_hash(), secret)
        return False
    return verify_secret(stored_hash, secret)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    uow: UnitOfWork,
    kind: str,
    subject_id: uuid.UUID,
    ttl_s: int,
    *,
    idle_s: int | None = None,
    purpose: str = "session",
) -> str:
    """A new bearer token (only its digest stored) that lives ``ttl_s``; with ``idle_s`` (staff
    sessions) it stops ``idle_s`` after issue unless renewed, and never later than ``ttl_s``.
    ``purpose`` "enrolment": a token that can only bind the second factor (decision 0019)."""
    token = secrets.token_urlsafe(32)
    now = uow.clock.now()
    end = now + timedelta(seconds=ttl_s)
    uow.session.add(
        AccessToken(
            token_hash=token_digest(token),
            subject_kind=kind,
            subject_id=subject_id,
            expires_at=min(end, now + timedelta(seconds=idle_s)) if idle_s else end,
            session_expires_at=end if idle_s else None,
            purpose=purpose,
        )
    )
    return token


def _current_token(uow: UnitOfWork, actor: Actor, token: str, *, lock: bool = False) -> AccessToken:
    """The caller's own stored, unexpired staff token."""
    query = select(AccessToken).where(AccessToken.token_hash == token_digest(token))
    row = uow.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if (
        row is None
        or row.expires_at <= uow.clock.now()
        or row.subject_kind != TokenSubjectKind.STAFF
        or row.subject_id != actor.id
    ):
        raise TokenInvalid("登录已失效，请重新登录")
    return row


def logout(uow: UnitOfWork, actor: Actor, token: str) -> dict[str, Any]:
    """End the caller's session: its token is deleted, so it is refused from the next request
    on, in every process (no cache holds it). Audited ``staff.logout``."""
    row = _current_token(uow, actor, token)
    uow.session.delete(row)
    uow.session.flush()
    audit.record(uow, actor, "staff.logout", "staff", str(actor.id))
    return {"ok": True}


def renew_session(uow: UnitOfWork, actor: Actor, token: str, idle_s: int) -> dict[str, Any]:
    """Move the caller's idle deadline ``idle_s`` on, never beyond the session's absolute end
    (then only a new log-in helps). The token stays the same. Not audited: a screen in use
    renews every few minutes; the log-in and log-out are the session's audited events."""
    row = _current_token(uow, actor, token, lock=True)
    now = uow.clock.now()
    end = row.session_expires_at or row.expires_at
    row.expires_at = min(end, now + timedelta(seconds=idle_s))
    uow.session.flush()
    return {
        "expires_at": row.expires_at.isoformat(),
        "session_expires_at": end.isoformat(),
        "expires_in_s": int((row.expires_at - now).total_seconds()),
    }


def change_password(
    uow: UnitOfWork,
    actor: Actor,
    token: str,
    current: str,
    new: str,
    attempt: throttle.Attempt | None = None,
) -> dict[str, Any]:
    """Change the caller's own password: the current one must be right (a wrong one counts
    against the log-in throttle like a failed log-in, 403 ``staff.password_wrong``), the new
    one must pass the policy (``staff.passwords``) and differ from the current one. Every
    other session of the account is ended; this one goes on. Audited
    ``staff.password_changed``; neither password is ever recorded."""
    if actor.kind != "staff" or actor.id is None:
        raise RoleRequired("只有工作人员可以修改密码", data={"required": "staff"})
    if attempt is not None:
        throttle.check(uow, attempt)
    _current_token(uow, actor, token)
    account = uow.session.get(StaffAccount, actor.id, with_for_update=True)
    if account is None or not account.active:
        raise TokenInvalid("账号已停用")
    if not verify_secret(account.password_hash, current):
        raise PasswordWrong("当前密码不正确")
    passwords.check(account.username, new)
    if current == new:
        raise PasswordUnchanged("新密码不能与当前密码相同")
    account.password_hash = hash_secret(new)
    deleted = cast(
        "CursorResult[Any]",
        uow.session.execute(
            delete(AccessToken).where(
                AccessToken.subject_kind == TokenSubjectKind.STAFF,
                AccessToken.subject_id == account.id,
                AccessToken.token_hash != token_digest(token),
            ),
            execution_options={"synchronize_session": False},
        ),
    )
    uow.session.flush()
    if attempt is not None:
        throttle.record_success(uow, attempt)
    audit.record(
        uow,
        actor,
        "staff.password_changed",
        "staff",
        str(account.id),
        data={"username": account.username, "sessions_ended": deleted.rowcount},
    )
    return {"ok": True, "sessions_ended": deleted.rowcount}


def record_password_change_refused(
    uow: UnitOfWork, actor: Actor, error: DomainError, attempt: throttle.Attempt | None
) -> None:
    """Audit a refused password change (its own unit of work); a wrong current password is
    counted against the log-in throttle."""
    if isinstance(error, PasswordWrong) and attempt is not None:
        throttle.record_failure(uow, attempt)
    data: dict[str, Any] = {"error": error.code}
    if isinstance(error, PasswordTooWeak):
        data["problems"] = error.data.get("problems", [])
    audit.record(uow, actor, "staff.password_change_refused", "staff", str(actor.id), data=data)


def staff_attempt(username: str, source: str | None, limits: throttle.Limits) -> throttle.Attempt:
    return throttle.Attempt(f"staff:{username}", source, limits)


@dataclass(frozen=True)
class LoggedIn:
    """A staff log-in's outcome: the token, and where the account stands with the second
    factor: ``verified`` (code given), ``not_required`` (its role needs none) or
    ``enrolment_required`` (its role needs one and it has not enrolled yet)."""

    token: str
    second_factor: str
    expires_in_s: int | None = None  # set for an enrolment token (its own short life)


def totp_roles(text: str) -> frozenset[str]:
    """The roles named by a ``GANGTING_STAFF_TOTP_ROLES`` value ("supervisor,admin")."""
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def log_in(
    uow: UnitOfWork,
    username: str,
    password: str,
    ttl_s: int,
    attempt: throttle.Attempt | None = None,
    *,
    idle_s: int | None = None,
    totp_code: str | None = None,
    second_factor_roles: frozenset[str] = frozenset(),
    enrolment_ttl_s: int = 600,
) -> LoggedIn:
    """A token for the staff member whose username and password these are. Refused alike
    (401 ``auth.bad_credentials``, after the same argon2 work) for an unknown name, a wrong
    password and an inactive account; refused without any check (429) while the name or the
    source is locked by too many failures (``attempt``; none: not throttled, for trusted
    in-process callers). An enrolled account of a role in ``second_factor_roles`` also needs
    its authenticator's code: none given, 401 ``staff.totp_required`` (the screen asks for
    it); a wrong, stale or used one, 401 ``staff.totp_wrong`` (counted like a wrong
    password). An account of those roles not yet enrolled gets an enrolment token (it lives
    ``enrolment_ttl_s``, not renewable) that only binds the factor or logs out."""
    if attempt is not None:
        throttle.check(uow, attempt)
    account = uow.session.execute(
        select(StaffAccount).where(StaffAccount.username == username)
    ).scalar_one_or_none()
    matches = verify_or_dummy(account.password_hash if account is not None else None, password)
    if account is None or not matches or not account.active:
        raise BadCredentials("用户名或密码错误")
    second_factor = "not_required"
    purpose = "session"
    if account.role in second_factor_roles:
        if account.totp_enrolled_at is None or account.totp_secret is None:
            # Compulsory (decision 0019): the log-in yields a short token that can only bind
            # the second factor; confirming it answers the session's token.
            second_factor, purpose = "enrolment_required", "enrolment"
            ttl_s, idle_s = min(ttl_s, enrolment_ttl_s), None
        else:
            if not totp_code:
                raise TotpRequired("请输入动态验证码（身份验证器应用中的6位数字）")
            step = totp.matching_step(
                account.totp_secret, totp_code, uow.clock.now(), account.totp_last_step
            )
            if step is None:
                raise TotpWrong("动态验证码不正确或已使用，请输入验证器当前显示的验证码")
            account.totp_last_step = step
            second_factor = "verified"
    token = issue_token(uow, "staff", account.id, ttl_s, idle_s=idle_s, purpose=purpose)
    if attempt is not None:
        throttle.record_success(uow, attempt)
    actor = Actor("staff", account.id, account.username, role=account.role)
    audit.record(
        uow, actor, "staff.login", "staff", account.id, data={"second_factor": second_factor}
    )
    return LoggedIn(token, second_factor, ttl_s if purpose == "enrolment" else None)


def login_staff(
    uow: UnitOfWork,
    username: str,
    password: str,
    ttl_s: int,
    attempt: throttle.Attempt | None = None,
    *,
    idle_s: int | None = None,
) -> str:
    """``log_in``'s token, without a second factor (trusted in-process callers)."""
    return log_in(uow, username, password, ttl_s, attempt, idle_s=idle_s).token


def record_login_failed(
    uow: UnitOfWork,
    username: str,
    error: DomainError,
    attempt: throttle.Attempt | None = None,
) -> None:
    """Audit a refused staff log-in (in a unit of work of its own: the refusal rolled the
    log-in's back) and count it against the throttle (a throttled one is not counted again).
    The entry is the account's when it exists, so supervisors of its unit see it; an unknown
    username is the admins' only. ``cause`` says which check failed (the caller was told only
    "用户名或密码错误"); the password is never recorded."""
    account = uow.session.execute(
        select(StaffAccount).where(StaffAccount.username == username)
    ).scalar_one_or_none()
    name = username[:64]
    if account is None:
        actor, subject, cause = Actor("staff", None, name), name, "unknown_account"
    else:
        actor = Actor("staff", account.id, account.username, role=account.role)
        subject = str(account.id)
        cause = "inactive" if not account.active else "bad_password"
    if isinstance(error, LoginThrottled):
        cause = "throttled"
    elif isinstance(error, TotpRequired):
        cause = "totp_required"  # the password was right: nothing to count
    else:
        if isinstance(error, TotpWrong):
            cause = "totp_wrong"
        if attempt is not None:
            throttle.record_failure(uow, attempt)
    data: dict[str, Any] = {"username": name, "error": error.code, "cause": cause}
    if attempt is not None and attempt.source:
        data["source"] = attempt.source[:64]
    audit.record(uow, actor, "staff.login_failed", "staff", subject, data=data)


def authenticate(uow: UnitOfWork, token: str) -> Actor:
    """The staff member a staff token stands for, if it is stored, unexpired and the account
    active (the API's authenticator for both kinds: booths.credentials)."""
    return _staff_actor(uow, token, enrolling=False)


def authenticate_enrolling(uow: UnitOfWork, token: str) -> Actor:
    """As ``authenticate``, and an enrolment token too: for binding the second factor and
    logging out, the only things an enrolment token may do (decision 0019)."""
    return _staff_actor(uow, token, enrolling=True)


def refuse_enrolment_token() -> None:
    """An enrolment token on any other route: 403 ``staff.totp_enrolment_required``."""
    raise TotpEnrolmentPending(
        "请先绑定动态验证码（管理员、督察必须使用双因素登录），绑定后方可使用本系统",
        data={"second_factor": "enrolment_required"},
    )


def _staff_actor(uow: UnitOfWork, token: str, *, enrolling: bool) -> Actor:
    row = uow.session.get(AccessToken, token_digest(token))
    if row is None or row.expires_at <= uow.clock.now() or row.subject_kind != "staff":
        raise TokenInvalid("登录已失效，请重新登录")
    if row.purpose != "session" and not enrolling:
        refuse_enrolment_token()
    account = uow.session.get(StaffAccount, row.subject_id)
    if account is None or not account.active:
        raise TokenInvalid("账号已停用")
    unit = uow.session.get(OrgUnit, account.org_unit_id)
    return Actor(
        "staff",
        account.id,
        account.username,
        role=account.role,
        org_path=unit.path if unit is not None else None,
    )


def require_role(actor: Actor, role: str) -> None:
    if actor.kind != "staff" or ROLE_RANK.get(actor.role or "", 0) < ROLE_RANK[role]:
        raise RoleRequired(f"此操作需要{ROLE_ZH[role]}及以上权限", data={"required_role": role})


def require_booth(actor: Actor) -> uuid.UUID:
    if actor.kind != "booth" or actor.id is None:
        raise RoleRequired("此操作只能由岗亭设备发起", data={"required": "booth"})
    return actor.id


def staff_in_scope(
    uow: UnitOfWork, actor: Actor, username: str, unknown: type[DomainError]
) -> tuple[StaffAccount, str]:
    """The active staff account of that username and its unit's path, within the caller's
    scope (to make them an owner); ``unknown`` is the error each caller answers for a
    username with no active account."""
    row = uow.session.execute(
        select(StaffAccount, OrgUnit.path)
        .join(OrgUnit, OrgUnit.id == StaffAccount.org_unit_id)
        .where(StaffAccount.username == username, StaffAccount.active.is_(True))
    ).first()
    if row is None:
        raise unknown("没有该民警账号或账号已停用", data={"owner": username})
    account, path = row
    require_scope(actor, path)
    return account, path


def account_in_scope(
    uow: UnitOfWork, actor: Actor, account_id: uuid.UUID, *, lock: bool = False
) -> tuple[StaffAccount, str]:
    """The active staff account of that id and its unit's path, within the caller's scope
    (``AccountUnknown`` for none, ``OutOfScope`` for one of another unit)."""
    query = (
        select(StaffAccount, OrgUnit.path)
        .join(OrgUnit, OrgUnit.id == StaffAccount.org_unit_id)
        .where(StaffAccount.id == account_id, StaffAccount.active.is_(True))
    )
    row = uow.session.execute(query.with_for_update(of=StaffAccount) if lock else query).first()
    if row is None:
        raise AccountUnknown("没有该民警账号或账号已停用", data={"account": str(account_id)})
    account, path = row
    require_scope(actor, path)
    return account, path


def list_accounts(uow: UnitOfWork, actor: Actor, *, include_inactive: bool) -> list[dict[str, Any]]:
    """The staff accounts of the caller's unit and the units below it (supervisors and up),
    by unit path and username."""
    require_role(actor, "supervisor")
    query = select(StaffAccount, OrgUnit).join(OrgUnit, OrgUnit.id == StaffAccount.org_unit_id)
    if not include_inactive:
        query = query.where(StaffAccount.active.is_(True))
    query = query.order_by(OrgUnit.path, StaffAccount.username)
    return [
        {
            "id": str(account.id),
            "username": account.username,
            "name": account.name,
            "role": account.role,
            "role_zh": roles.ROLE_NAMES_ZH.get(account.role, account.role),
            "unit_code": unit.code,
            "unit_name": unit.name,
            "unit_path": unit.path,
            "active": account.active,
        }
        for account, unit in uow.session.execute(scoped(query, actor)).all()
    ]


def change_role(
    uow: UnitOfWork, actor: Actor, account_id: uuid.UUID, new_role: str, reason: str
) -> dict[str, Any]:
    """Give the account ``new_role`` (trusted callers: the two keys execute it in the maker's
    name once a checker approved): checked again against the account as it is now, then
    changed and audited (``staff.role_changed``). The account's access tokens are revoked: it
    logs in again and its new token carries the new role (a token resolved shortly before
    may live on in a process's actor cache for its few seconds; the approving process
    clears its own)."""
    require_role(actor, "supervisor")
    role = roles.parse_role(new_role)
    text = roles.change_reason(reason)
    account, path = account_in_scope(uow, actor, account_id, lock=True)
    previous = account.role
    roles.check_change(actor.role, actor.id, account.id, previous, role)
    account.role = role
    revoked = _revoke_tokens(uow, account.id)
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "staff.role_changed",
        "staff",
        account.id,
        reason=text,
        data={
            "username": account.username,
            "from": previous,
            "to": role,
            "tokens_revoked": revoked,
        },
    )
    return {
        "account": str(account.id),
        "username": account.username,
        "unit_path": path,
        "from": previous,
        "to": role,
    }


def _revoke_tokens(uow: UnitOfWork, account_id: uuid.UUID) -> int:
    """Delete every token of the staff account (it logs in again); how many there were."""
    deleted = cast(
        "CursorResult[Any]",
        uow.session.execute(
            delete(AccessToken).where(
                AccessToken.subject_kind == TokenSubjectKind.STAFF,
                AccessToken.subject_id == account_id,
            ),
            execution_options={"synchronize_session": False},
        ),
    )
    return deleted.rowcount


def second_factor_account(
    uow: UnitOfWork, actor: Actor, account_id: uuid.UUID, *, lock: bool = False
) -> tuple[StaffAccount, str]:
    """The account whose second factor ``actor`` (one key) may reset, and its unit's path:
    in scope, not their own, an administrator's only by an administrator, and bound."""
    require_role(actor, "supervisor")
    account, path = account_in_scope(uow, actor, account_id, lock=lock)
    roles.check_reset_key(actor.role, actor.id, account.id, account.role)
    if account.totp_secret is None:
        raise TotpNotBound(
            "该账号尚未绑定动态验证码，无需重置", data={"username": account.username}
        )
    return account, path


def reset_second_factor(
    uow: UnitOfWork, actor: Actor, account_id: uuid.UUID, reason: str
) -> dict[str, Any]:
    """Unbind the account's second factor (a lost or replaced phone; trusted callers: the two
    keys execute it in the maker's name once a checker approved, docs/decisions/0019). Its
    tokens are revoked; its next log-in binds a new factor. Audited ``staff.totp_reset``."""
    text = roles.change_reason(reason, "重置动态验证码")
    account, path = second_factor_account(uow, actor, account_id, lock=True)
    account.totp_secret = None
    account.totp_enrolled_at = None
    account.totp_last_step = None
    revoked = _revoke_tokens(uow, account.id)
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "staff.totp_reset",
        "staff",
        account.id,
        reason=text,
        data={"username": account.username, "tokens_revoked": revoked},
    )
    return {"account": str(account.id), "username": account.username, "unit_path": path}


def _own_account(uow: UnitOfWork, actor: Actor) -> StaffAccount:
    if actor.kind != "staff" or actor.id is None:
        raise RoleRequired("只有工作人员可以绑定动态验证码", data={"required": "staff"})
    account = uow.session.get(StaffAccount, actor.id, with_for_update=True)
    if account is None or not account.active:
        raise TokenInvalid("账号已停用")
    return account


def start_totp_enrolment(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    """Give the caller's account a new second-factor secret, shown this once (as text and as
    an ``otpauth://`` URI for the authenticator app); it is in force once a first code
    confirms it (``confirm_totp_enrolment``). Starting again before that replaces it. An
    enrolled account cannot start again (409; a lost factor is reset by two keys:
    ``reset_second_factor``).
    Audited ``staff.totp_enrolment_started``, without the secret."""
    account = _own_account(uow, actor)
    if account.totp_enrolled_at is not None:
        raise TotpAlreadyEnrolled("本账号已绑定动态验证码")
    secret = totp.new_secret()
    account.totp_secret = secret
    account.totp_last_step = None
    uow.session.flush()
    audit.record(uow, actor, "staff.totp_enrolment_started", "staff", str(account.id))
    uri = totp.otpauth_uri(secret, account.username)
    return {"secret": secret, "otpauth_uri": uri, "otpauth_qr": totp.qr_data_uri(uri)}


def confirm_totp_enrolment(
    uow: UnitOfWork,
    actor: Actor,
    code: str,
    token: str | None = None,
    *,
    ttl_s: int = 8 * 3600,
    idle_s: int | None = None,
) -> dict[str, Any]:
    """Put the started second factor in force with a first code from the app (422
    ``staff.totp_code_invalid`` for a wrong one). Audited ``staff.totp_enrolled``.

    Confirmed with an enrolment token (``token``), that token ends and the answer carries the
    session's token (``access_token``): the password was given at the log-in and the code
    now, so both factors were shown (decision 0019)."""
    account = _own_account(uow, actor)
    if account.totp_enrolled_at is not None:
        raise TotpAlreadyEnrolled("本账号已绑定动态验证码")
    if account.totp_secret is None:
        raise TotpNotStarted("请先开始绑定动态验证码")
    now = uow.clock.now()
    step = totp.matching_step(account.totp_secret, code, now, None)
    if step is None:
        raise TotpCodeInvalid("动态验证码不正确，请输入验证器当前显示的6位数字")
    account.totp_enrolled_at = now
    account.totp_last_step = step
    answer: dict[str, Any] = {"ok": True, "enrolled_at": now.isoformat()}
    current = _current_token(uow, actor, token, lock=True) if token is not None else None
    if current is not None and current.purpose == "enrolment":
        uow.session.delete(current)
        answer["access_token"] = issue_token(uow, "staff", account.id, ttl_s, idle_s=idle_s)
        answer["expires_in_s"] = min(ttl_s, idle_s or ttl_s)
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "staff.totp_enrolled",
        "staff",
        str(account.id),
        data={"session_started": "access_token" in answer},
    )
    return answer


def record_totp_enrolment_refused(uow: UnitOfWork, actor: Actor, error: DomainError) -> None:
    """Audit a refused confirmation (its own unit of work)."""
    audit.record(
        uow,
        actor,
        "staff.totp_enrolment_refused",
        "staff",
        str(actor.id),
        data={"error": error.code},
    )
