"""Ratings (好差评) and the remedy record a bad rating opens."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, String
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


class BadReviewRemedy(IdMixin, Base):
    __tablename__ = "bad_review_remedies"

    rating_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ratings.id"), unique=True)
    state: Mapped[RemedyState] = mapped_column(StrEnumText(RemedyState, 16))
    due_on: Mapped[date]
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(String(500))
