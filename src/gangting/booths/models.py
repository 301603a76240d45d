"""Booths: the registry (identity, placement, credentials, who disabled it and why), the
current state, the telemetry history, help calls and printed receipts, each kept apart."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gangting.kernel.db import Base, IdMixin, JsonColumn


class Booth(IdMixin, Base):
    __tablename__ = "booths"

    code: Mapped[str] = mapped_column(String(32), unique=True)  # BT-KDL-001
    name: Mapped[str] = mapped_column(String(64))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    district_code: Mapped[str] = mapped_column(String(6))
    address: Mapped[str] = mapped_column(String(128))
    longitude: Mapped[float]
    latitude: Mapped[float]
    secret_hash: Mapped[str] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_by: Mapped[str | None] = mapped_column(String(64))
    disabled_reason: Mapped[str | None] = mapped_column(String(255))


class BoothState(Base):
    """The booth's current state, kept apart from the registry and the history: the last
    value of each reported kind with its time, and when anything last changed."""

    __tablename__ = "booth_states"

    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booths.id"), primary_key=True)
    values: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    last_reported_at: Mapped[datetime]
    last_changed_at: Mapped[datetime]


class TelemetryReading(IdMixin, Base):
    """Telemetry history: append-only (door, power, temperature_c, paper …)."""

    __tablename__ = "telemetry_readings"
    __table_args__ = (Index("ix_telemetry_booth_kind_at", "booth_id", "kind", "at"),)

    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booths.id"))
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[Any] = mapped_column(JsonColumn)
    at: Mapped[datetime]
    received_at: Mapped[datetime]


class HelpCall(IdMixin, Base):
    """A citizen pressed help at a booth (一键求助)."""

    __tablename__ = "help_calls"

    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booths.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # assistance | emergency | device_fault …
    note: Mapped[str | None] = mapped_column(String(500))
    called_at: Mapped[datetime] = mapped_column(index=True)
    received_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))  # open | answered | closed


class ReceiptPrint(IdMixin, Base):
    """A receipt (受理回执) the booth printed for a citizen."""

    __tablename__ = "receipt_prints"

    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booths.id"), index=True)
    receipt_no: Mapped[str] = mapped_column(String(32), index=True)
    printed_at: Mapped[datetime]
    received_at: Mapped[datetime]
