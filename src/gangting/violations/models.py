"""The violation catalogue (交通违法代码) and recorded violations."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from gangting.kernel.db import Base, IdMixin, StrEnumText


class ViolationState(StrEnum):
    """unprocessed -> decided (penalty decision made); erased for 第22条 cases."""

    UNPROCESSED = "unprocessed"
    DECIDED = "decided"
    ERASED = "erased"


class ViolationCode(Base):
    """One catalogue row. Codes are opaque keys: points come from the row, never the digits."""

    __tablename__ = "violation_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    description: Mapped[str] = mapped_column(String(256))
    points: Mapped[int]
    points_basis: Mapped[str] = mapped_column(String(64))
    fine_min_fen: Mapped[int] = mapped_column(BigInteger)
    fine_max_fen: Mapped[int] = mapped_column(BigInteger)
    fine_default_fen: Mapped[int] = mapped_column(BigInteger)
    fine_basis: Mapped[str] = mapped_column(String(64))
    camera_processable: Mapped[bool] = mapped_column(default=True)


class Violation(IdMixin, Base):
    """A recorded offence (camera-recorded unless said otherwise)."""

    __tablename__ = "violations"
    __table_args__ = (
        Index("ix_violations_plate_state", "plate_no", "state"),
        Index("ix_violations_vehicle_state", "vehicle_id", "state"),
    )

    ref: Mapped[str] = mapped_column(String(32), unique=True)
    code: Mapped[str] = mapped_column(ForeignKey("violation_codes.code"))
    occurred_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(128))
    plate_no: Mapped[str] = mapped_column(String(10))
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("vehicles.id"))
    evidence_ref: Mapped[str] = mapped_column(String(64))
    state: Mapped[ViolationState] = mapped_column(
        StrEnumText(ViolationState, 16), default=ViolationState.UNPROCESSED
    )
    driver_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    # Harm (危害后果) recorded with the act: such an act is never a first minor offence
    # (行政处罚法 第33条第1款).
    harm_recorded: Mapped[bool] = mapped_column(default=False, server_default=false())
