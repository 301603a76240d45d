"""Ratings (好差评), the one-use rating links on receipts, and the remedy a bad rating
opens with its escalations."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from gangting.kernel.db import Base, IdMixin, StrEnumText
from gangting.ratings.rules import RemedyState


class Rating(IdMixin, Base):
    __tablename__ = "ratings"

    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booths.id"), index=True)
    # One rating per application (一次一评); a rating without a receipt is the booth's.
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("applications.id"), unique=True
    )
    level: Mapped[int]  # 5 非常满意 … 1 非常不满意
    level_name: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(500))
    rated_at: Mapped[datetime] = mapped_column(index=True)
    received_at: Mapped[datetime]
    # Where it was given: "kiosk" (the booth's screen) or "link" (the receipt's /r/ page).
    channel: Mapped[str] = mapped_column(String(8), default="kiosk", server_default="kiosk")


class RatingLink(IdMixin, Base):
    """A one-use link to rate one application (/r/{token}); only the token's SHA-256 is kept."""

    __tablename__ = "rating_links"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), unique=True)
    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booths.id"))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    rating_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ratings.id"))


class BadReviewRemedy(IdMixin, Base):
    __tablename__ = "bad_review_remedies"

    rating_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ratings.id"), unique=True)
    state: Mapped[RemedyState] = mapped_column(StrEnumText(RemedyState, 16))
    # Fixed, called back and closed by this day (ratings.rules.remedy_deadlines).
    due_on: Mapped[date]
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(String(500))
    # The unit responsible: the booth's (谁办理、谁负责), assigned at opening.
    org_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    contact_due_on: Mapped[date | None]
    complex_matter: Mapped[bool] = mapped_column(default=False, server_default=false())
    assigned_at: Mapped[datetime | None]
    contacted_at: Mapped[datetime | None]
    fixed_at: Mapped[datetime | None]
    return_visited_at: Mapped[datetime | None]
    # The citizen's answer at closing: "satisfied" | "not_satisfied".
    citizen_answer: Mapped[str | None] = mapped_column(String(16))
    # Escalated to the parent unit when a step went overdue (the latest escalation).
    escalated_to_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))
    escalated_at: Mapped[datetime | None]


class RemedyEscalation(Base):
    """One escalation per remedy and overdue step: the sweep that finds it again adds nothing."""

    __tablename__ = "bad_review_escalations"

    remedy_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bad_review_remedies.id"), primary_key=True
    )
    step: Mapped[str] = mapped_column(String(16), primary_key=True)
    due_on: Mapped[date]
    escalated_at: Mapped[datetime]
    to_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))
    alert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alerts.id"))
