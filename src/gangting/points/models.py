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


@ledger_bound
class FullScoreRecord(IdMixin, Base):
    """One 满分 (reaching 12 points, or another 12, in a cycle; 记分办法 第17条) with the study
    and exams it calls for (第18–22条), open until the points are cleared and the licence
    returned (第23条). (citizen_id, cycle_start, sequence) is unique: a 满分 is recorded once;
    ``state`` goes open -> cleared exactly once."""

    __tablename__ = "full_score_records"
    __table_args__ = (UniqueConstraint("citizen_id", "cycle_start", "sequence"),)

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), index=True)
    cycle_start: Mapped[date]
    sequence: Mapped[int]  # 1 = the first 满分 of the cycle
    total_points: Mapped[int]
    study_days: Mapped[int]
    min_onsite_online_days: Mapped[int]
    min_onsite_days: Mapped[int]
    exams: Mapped[str] = mapped_column(String(64))  # "theory,road_skill"
    reached_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | cleared
    cleared_at: Mapped[datetime | None]
    clearance_receipt_no: Mapped[str | None] = mapped_column(String(32))
