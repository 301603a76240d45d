"""The demerit-point ledger (记分) and study deductions (学法减分)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gangting.audit.ledger import ledger_bound
from gangting.kernel.db import Base, IdMixin, StrEnumText
from gangting.points.rules import PointSourceKind


@ledger_bound
class PointEntry(IdMixin, Base):
    """One append-only ledger line: + points of a decision, − a deduction, a carry-over.

    (source_kind, source_id) is unique: a decision's points enter the ledger exactly once.
    """

    __tablename__ = "point_entries"
    __table_args__ = (
        UniqueConstraint("source_kind", "source_id"),
        Index("ix_point_entries_citizen_cycle", "citizen_id", "cycle_start"),
    )

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"))
    cycle_start: Mapped[date]
    points: Mapped[int]  # positive = recorded, negative = deducted
    source_kind: Mapped[PointSourceKind] = mapped_column(StrEnumText(PointSourceKind, 16))
    source_id: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]
    legal_basis: Mapped[str] = mapped_column(String(64))


@ledger_bound
class StudyDeduction(IdMixin, Base):
    __tablename__ = "study_deductions"

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), index=True)
    cycle_start: Mapped[date]
    way: Mapped[str] = mapped_column(String(16))  # online | onsite | public_welfare
    points: Mapped[int]
    platform_ref: Mapped[str] = mapped_column(String(64), unique=True)
    recorded_at: Mapped[datetime]
