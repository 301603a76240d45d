"""Driving licences (驾驶证): classes, validity, status."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gangting.audit.ledger import ledger_bound
from gangting.kernel.db import Base, IdMixin, StrEnumText
from gangting.licences.rules import AccidentLiability, LicenceStatus, Validity


@ledger_bound
class DrivingLicence(IdMixin, Base):
    __tablename__ = "driving_licences"

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), unique=True)
    licence_no: Mapped[str] = mapped_column(String(18), unique=True)  # the holder's ID number
    classes: Mapped[str] = mapped_column(String(64))  # "C1,D" (准驾车型)
    first_issued_on: Mapped[date]  # start of the scoring cycles (记分办法 第3条)
    learner_until: Mapped[date | None]
    validity: Mapped[Validity] = mapped_column(StrEnumText(Validity, 16))
    valid_from: Mapped[date]
    expires_on: Mapped[date | None]  # None = long-term
    status: Mapped[LicenceStatus] = mapped_column(StrEnumText(LicenceStatus, 16), index=True)
    had_full_score_in_validity: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
    serial_no: Mapped[int] = mapped_column(default=1)  # bumps on replacement: old card void


class AccidentRecord(IdMixin, Base):
    """A traffic accident of a driver as the accident system reports it: what the review
    (审验, 第72条第4–5款, 第73条) needs — deaths, serious injuries, liability, processed."""

    __tablename__ = "accident_records"

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), index=True)
    accident_no: Mapped[str] = mapped_column(String(32), unique=True)
    occurred_on: Mapped[date]
    deaths: Mapped[int] = mapped_column(default=0)
    serious_injuries: Mapped[int] = mapped_column(default=0)
    liability: Mapped[AccidentLiability] = mapped_column(StrEnumText(AccidentLiability, 16))
    processed: Mapped[bool] = mapped_column(default=True)


class CognitiveTest(IdMixin, Base):
    """A 70+ driver's ability test (记忆力、判断力、反应力, 三力测试, 第73条第3款), recorded from
    the test device or by an operator. ``test_ref`` is unique: a result is recorded once."""

    __tablename__ = "cognitive_tests"

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), index=True)
    test_ref: Mapped[str] = mapped_column(String(64), unique=True)
    taken_on: Mapped[date]
    passed: Mapped[bool]
    source: Mapped[str] = mapped_column(String(16))  # device | operator
    recorded_by: Mapped[str] = mapped_column(String(64))  # booth code or staff username
    recorded_at: Mapped[datetime]


@ledger_bound
class DriverReview(IdMixin, Base):
    """A completed review (审验) for one ended scoring cycle (第72–73条). (citizen_id,
    cycle_start) is unique: a cycle is reviewed once."""

    __tablename__ = "driver_reviews"
    __table_args__ = (UniqueConstraint("citizen_id", "cycle_start"),)

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), index=True)
    cycle_start: Mapped[date]
    cycle_end: Mapped[date]
    study_minutes: Mapped[int]
    study_refs: Mapped[str] = mapped_column(String(255))  # the learning platform's records
    cognitive_test_ref: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime]
    receipt_no: Mapped[str] = mapped_column(String(32))
