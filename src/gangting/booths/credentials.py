"""Each booth's own MQTT broker account: username = booth code, a random password shown
once when issued, and only its hash kept in the registry.

The hash is the PBKDF2-SHA512 format Mosquitto 2 reads from its password file
(``$7$<iterations>$<base64 salt>$<base64 hash>``, as ``mosquitto_passwd`` writes it), so the
broker files are generated from the registry without any clear password, and the embedded
broker checks the very same hashes. The booth's HTTP secret is never used for the broker.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from sqlalchemy import and_, select

from gangting.audit import service as audit
from gangting.booths.errors import BoothUnknown
from gangting.booths.models import Booth
from gangting.kernel.actor import Actor
from gangting.kernel.errors import DomainError, Invalid
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff import throttle
from gangting.staff.errors import BadCredentials, LoginThrottled, TokenInvalid
from gangting.staff.models import AccessToken, OrgUnit, StaffAccount, TokenSubjectKind
from gangting.staff.service import (
    issue_token,
    refuse_enrolment_token,
    require_role,
    token_digest,
    verify_or_dummy,
)

# Mosquitto's own default. The passwords are 192-bit random tokens, so the iteration count
# adds nothing against guessing, while every broker CONNECT pays for it.
ITERATIONS = 101
_SALT_BYTES = 12
_HASH_BYTES = 64


def mosquitto_hash(
    password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None
) -> str:
    """Hash a password into Mosquitto 2's ``$7$`` PBKDF2-SHA512 format."""
    salt = salt if salt is not None else secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, _HASH_BYTES)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def mosquitto_verify(password: str, hashed: str) -> bool:
    """Check a password against a ``$7$`` hash (ours or one ``mosquitto_passwd`` wrote)."""
    parts = hashed.split("$")
    if len(parts) != 5 or parts[0] != "" or parts[1] != "7":
        return False
    try:
        iterations = int(parts[2])
        salt = base64.b64decode(parts[3], validate=True)
        expected = base64.b64decode(parts[4], validate=True)
    except ValueError:
        return False
    if not 1 <= iterations <= 10_000_000 or not expected:
        return False
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, len(expected))
    return hmac.compare_digest(digest, expected)


def new_broker_password() -> str:
    return secrets.token_urlsafe(24)


def issue_broker_password(
    uow: UnitOfWork, actor: Actor, booth_code: str, password: str | None = None
) -> dict[str, Any]:
    """Give a booth a (new) broker password; the old one stops working once the broker
    files are regenerated. The clear password is in the answer only, never stored or
    audited. Admins, or the system itself (provisioning, demo seed)."""
    if actor.kind != "system":
        require_role(actor, "admin")
    if password is not None and len(password) < 12:
        raise Invalid("代理服务器密码至少12位", code="booths.broker_password_too_short")
    booth = uow.session.execute(select(Booth).where(Booth.code == booth_code)).scalar_one_or_none()
    if booth is None:
        raise BoothUnknown("没有该岗亭", data={"booth": booth_code})
    clear = password or new_broker_password()
    booth.broker_password_hash = mosquitto_hash(clear)
    uow.session.flush()
    audit.record(uow, actor, "booth.broker_password_issued", "booth", booth.code)
    return {"booth": booth.code, "username": booth.code, "password": clear}


def broker_accounts(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(username, password hash) of every enabled booth that has a broker account."""
    rows = uow.session.execute(
        select(Booth.code, Booth.broker_password_hash)
        .where(Booth.enabled.is_(True), Booth.broker_password_hash.is_not(None))
        .order_by(Booth.code)
    ).all()
    return [(code, hashed) for code, hashed in rows if hashed]


def booth_attempt(code: str, source: str | None, limits: throttle.Limits) -> throttle.Attempt:
    return throttle.Attempt(f"booth:{code}", source, limits)


def login_booth(
    uow: UnitOfWork, code: str, secret: str, ttl_s: int, attempt: throttle.Attempt | None = None
) -> str:
    """A token for the booth whose code and secret these are. An unknown code and a wrong
    secret are refused alike after the same argon2 work; a disabled booth (right secret) is
    told so; a locked code or source is refused without any check (429)."""
    if attempt is not None:
        throttle.check(uow, attempt)
    booth = uow.session.execute(select(Booth).where(Booth.code == code)).scalar_one_or_none()
    matches = verify_or_dummy(booth.secret_hash if booth is not None else None, secret)
    if booth is None or not matches:
        raise BadCredentials("岗亭编号或设备密钥错误")
    if not booth.enabled:
        raise BadCredentials(
            "该岗亭已停用", code="auth.booth_disabled", data={"reason": booth.disabled_reason}
        )
    token = issue_token(uow, "booth", booth.id, ttl_s)
    if attempt is not None:
        throttle.record_success(uow, attempt)
    audit.record(uow, Actor("booth", booth.id, booth.code), "booth.login", "booth", booth.code)
    return token


def record_login_failed(
    uow: UnitOfWork, code: str, error: DomainError, attempt: throttle.Attempt | None = None
) -> None:
    """Audit a refused booth log-in (in a unit of work of its own: the refusal rolled the
    log-in's back) and count it against the throttle (a throttled one is not counted again).
    The entry is the booth's when the code is known, so supervisors of its unit see it; an
    unknown code is the admins' only. The secret is never recorded."""
    booth = uow.session.execute(select(Booth).where(Booth.code == code)).scalar_one_or_none()
    name = code[:64]
    if booth is None:
        actor, cause = Actor("booth", None, name), "unknown_booth"
    else:
        actor = Actor("booth", booth.id, booth.code)
        cause = "disabled" if error.code == "auth.booth_disabled" else "bad_secret"
    if isinstance(error, LoginThrottled):
        cause = "throttled"
    elif attempt is not None:
        throttle.record_failure(uow, attempt)
    data: dict[str, Any] = {"booth_code": name, "error": error.code, "cause": cause}
    if attempt is not None and attempt.source:
        data["source"] = attempt.source[:64]
    audit.record(uow, actor, "booth.login_failed", "booth", name, data=data)


def authenticate(uow: UnitOfWork, token: str) -> Actor:
    """The booth or staff member a bearer token stands for (the API's one authenticator),
    in one query: the token (unexpired), and its booth (enabled) or its staff account
    (active) with the account's unit. Run on every request (no cache), so a revoked token
    or a disabled booth or account stops working at once."""
    row = uow.session.execute(
        select(
            AccessToken.subject_kind,
            AccessToken.subject_id,
            AccessToken.expires_at,
            AccessToken.purpose,
            Booth.code,
            Booth.enabled,
            StaffAccount.username,
            StaffAccount.role,
            StaffAccount.active,
            OrgUnit.path,
        )
        .outerjoin(
            Booth,
            and_(
                AccessToken.subject_kind == TokenSubjectKind.BOOTH,
                Booth.id == AccessToken.subject_id,
            ),
        )
        .outerjoin(
            StaffAccount,
            and_(
                AccessToken.subject_kind == TokenSubjectKind.STAFF,
                StaffAccount.id == AccessToken.subject_id,
            ),
        )
        .outerjoin(OrgUnit, OrgUnit.id == StaffAccount.org_unit_id)
        .where(AccessToken.token_hash == token_digest(token))
    ).first()
    if row is None or row.expires_at <= uow.clock.now():
        raise TokenInvalid("登录已失效，请重新登录")
    if row.subject_kind == TokenSubjectKind.BOOTH:
        if row.code is None or not row.enabled:
            raise TokenInvalid("该岗亭已停用", code="auth.booth_disabled")
        return Actor("booth", row.subject_id, row.code)
    if row.username is None or not row.active:
        raise TokenInvalid("账号已停用")
    if row.purpose != "session":
        refuse_enrolment_token()
    return Actor("staff", row.subject_id, row.username, role=row.role, org_path=row.path)
