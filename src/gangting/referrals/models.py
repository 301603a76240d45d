"""The referrals table (转办, and objections to camera records as their own kind) and the
history of each referral's steps."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from gangting.kernel.db import Base, IdMixin, JsonColumn, StrEnumText
from gangting.referrals.rules import ReferralKind, ReferralState, Step

_OPEN_OBJECTION = text("kind = 'objection' AND state IN ('referred', 'accepted', 'more_requested')")


class Referral(IdMixin, Base):
    """One matter handed from a booth to the responsible unit (``org_unit_id``), with its
    deadline and the materials the booth collected (references: evidence keys, document
    numbers, and the application's data). An objection names its violation; while it is
    open no second one may be filed for that violation (partial unique index)."""

    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_state_due", "state", "due_on"),
        Index(
            "uq_referrals_open_objection",
            "violation_id",
            unique=True,
            sqlite_where=_OPEN_OBJECTION,
            postgresql_where=_OPEN_OBJECTION,
        ),
    )

    referral_no: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[ReferralKind] = mapped_column(StrEnumText(ReferralKind, 16))
    state: Mapped[ReferralState] = mapped_column(StrEnumText(ReferralState, 16))
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), unique=True)
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), index=True)
    booth_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booths.id"))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    service_item: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(500))  # an objection: the citizen's statement
    materials: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    violation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("violations.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))  # objection: upheld | rejected
    referred_at: Mapped[datetime]
    referred_on: Mapped[date]
    due_on: Mapped[date]
    asked_on: Mapped[date | None]  # the day the unit last asked for more
    closed_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(500))  # the latest step's note
    # the one alert raised when it went overdue (exactly one per referral)
    overdue_alert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alerts.id"))


class ReferralStep(IdMixin, Base):
    """One step of a referral, in order: who, when, the state after, the note, and the
    materials the citizen supplied with it."""

    __tablename__ = "referral_steps"
    __table_args__ = (UniqueConstraint("referral_id", "seq"),)

    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referrals.id"), index=True)
    seq: Mapped[int]
    step: Mapped[Step] = mapped_column(StrEnumText(Step, 16))
    state_after: Mapped[ReferralState] = mapped_column(StrEnumText(ReferralState, 16))
    note: Mapped[str | None] = mapped_column(String(500))
    materials: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
