"""Driving licences (驾驶证): classes, validity, status."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gangting.audit.ledger import ledger_bound
from gangting.kernel.db import Base, IdMixin, StrEnumText
from gangting.licences.rules import LicenceStatus, Validity


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
