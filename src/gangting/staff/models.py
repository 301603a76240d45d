"""Staff accounts, roles and the org tree (支队 > 大队 > 中队 > 岗亭) that scopes what they see."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gangting.kernel.db import Base, IdMixin, StrEnumText


class OrgUnitKind(StrEnum):
    """支队 > 大队 > 中队."""

    DETACHMENT = "detachment"
    BRIGADE = "brigade"
    SQUADRON = "squadron"


class TokenSubjectKind(StrEnum):
    STAFF = "staff"
    BOOTH = "booth"


class OrgUnit(IdMixin, Base):
    __tablename__ = "org_units"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[OrgUnitKind] = mapped_column(StrEnumText(OrgUnitKind, 16))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))
    # Materialised path "/DET/KDL/KDL-1/": scope checks are one prefix comparison.
    path: Mapped[str] = mapped_column(String(255), index=True)


class StaffAccount(IdMixin, Base):
    __tablename__ = "staff_accounts"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # officer | supervisor | admin
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # The second factor (staff.totp): the base32 secret, set when enrolment starts and in
    # force once a first code confirmed it (totp_enrolled_at); the last step used (no replay).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enrolled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)


class AccessToken(Base):
    """A bearer token for a staff member or a booth; only its SHA-256 is stored."""

    __tablename__ = "access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_kind: Mapped[TokenSubjectKind] = mapped_column(StrEnumText(TokenSubjectKind, 8))
    subject_id: Mapped[uuid.UUID]
    # When the token stops working: a staff session's idle deadline (moved by a renewal),
    # never beyond ``session_expires_at``, its absolute end (none for booth tokens).
    expires_at: Mapped[datetime]
    session_expires_at: Mapped[datetime | None]
    # What the token may do: "session" (the API), or "enrolment" (an administrator's or
    # supervisor's log-in before the second factor is bound: only binding it and logging out;
    # docs/decisions/0019).
    purpose: Mapped[str] = mapped_column(String(16), default="session", server_default="session")


class LoginThrottle(Base):
    """Failed log-ins counted per key ("staff:<username>", "booth:<code>", "source:<address>"),
    in the database so that every server process sees the same count (docs/decisions/0014)."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int]
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
