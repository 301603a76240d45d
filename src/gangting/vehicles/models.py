"""Vehicles (机动车) and their electronic inspection marks."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gangting.audit.ledger import ledger_bound
from gangting.kernel.db import Base, IdMixin, JsonColumn, StrEnumText
from gangting.vehicles.rules import Use, VehicleKind, VehicleStatus


class Vehicle(IdMixin, Base):
    __tablename__ = "vehicles"

    plate_no: Mapped[str] = mapped_column(String(10), unique=True)
    kind: Mapped[VehicleKind] = mapped_column(StrEnumText(VehicleKind, 24))
    use: Mapped[Use] = mapped_column(StrEnumText(Use, 16))
    seats: Mapped[int]
    is_van: Mapped[bool] = mapped_column(default=False)
    new_energy: Mapped[bool] = mapped_column(default=False)
    registered_on: Mapped[date]
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), index=True)
    compulsory_insurance_until: Mapped[date]
    vehicle_tax_ok: Mapped[bool] = mapped_column(default=True)
    inspection_valid_until: Mapped[date]
    status: Mapped[VehicleStatus] = mapped_column(
        StrEnumText(VehicleStatus, 16), default=VehicleStatus.NORMAL
    )
    illegally_modified: Mapped[bool] = mapped_column(default=False)
    injury_accident: Mapped[bool] = mapped_column(default=False)
    unprocessed_accidents: Mapped[int] = mapped_column(default=0)


@ledger_bound
class InspectionMark(IdMixin, Base):
    """Electronic inspection mark (电子检验合格标志, 登记规定 第56条)."""

    __tablename__ = "inspection_marks"

    mark_no: Mapped[str] = mapped_column(String(32), unique=True)
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id"), index=True)
    # One mark per vehicle and validity period: a retry can never issue two.
    period_key: Mapped[str] = mapped_column(String(48), unique=True)
    valid_until: Mapped[date]
    issued_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
