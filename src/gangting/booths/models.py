"""Booths: the registry (identity, placement, credentials, who disabled it and why), the
current state, the telemetry history, help calls, printed receipts and remote commands,
each kept apart."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gangting.booths.rules import CommandKind, CommandState, HelpCallState
from gangting.kernel.db import Base, IdMixin, JsonColumn, StrEnumText


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
    # The booth's own MQTT broker password, as the PBKDF2-SHA512 hash Mosquitto reads
    # ($7$…); never the HTTP secret. None: the booth has no broker account yet.
    broker_password_hash: Mapped[str | None] = mapped_column(String(255))
    # The booth node's Ed25519 public key (raw 32 bytes, base64) that verifies its signed
    # identity evidence; the private key never leaves the node. Registered by an admin
    # (``gangting booths register-key``; docs/decisions/0018). None: no identity checks.
    evidence_public_key: Mapped[str | None] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_by: Mapped[str | None] = mapped_column(String(64))
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    # The day the booth opened for business (the reform's roll-out; docs/decisions/0023).
    opened_on: Mapped[date | None]


class BoothState(Base):
    """The booth's current state, kept apart from the registry and the history: the last
    value of each reported kind with its time, and when anything last changed."""

    __tablename__ = "booth_states"

    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booths.id"), primary_key=True)
    values: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    last_reported_at: Mapped[datetime]
    last_changed_at: Mapped[datetime]
    # Broker availability (online | offline | unknown) of the connection named by
    # ``availability_session``; changed_at is the centre's time of the last flip.
    availability: Mapped[str] = mapped_column(
        String(16), default="unknown", server_default="unknown"
    )
    availability_session: Mapped[str | None] = mapped_column(String(64))
    availability_changed_at: Mapped[datetime | None]
    # The booth's own latest state report (kiosk mode, adapters, versions) and its time.
    reported: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    reported_at: Mapped[datetime | None]


class TelemetryReading(IdMixin, Base):
    """Telemetry history: append-only (door, power, temperature_c, paper …)."""

    __tablename__ = "telemetry_readings"
    __table_args__ = (
        Index("ix_telemetry_booth_kind_at", "booth_id", "kind", "at"),
        # Retention deletes by the centre's time of receipt across booths (migration 0018).
        Index("ix_telemetry_readings_received_at", "received_at"),
    )

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
    state: Mapped[HelpCallState] = mapped_column(StrEnumText(HelpCallState, 16))


class ReceiptPrint(IdMixin, Base):
    """A receipt (受理回执) the booth printed for a citizen."""

    __tablename__ = "receipt_prints"

    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booths.id"), index=True)
    receipt_no: Mapped[str] = mapped_column(String(32), index=True)
    printed_at: Mapped[datetime]
    received_at: Mapped[datetime]


class BoothCommand(IdMixin, Base):
    """A remote command to one booth (远程指令): queued -> sent -> acknowledged ->
    succeeded | failed, or expired when not finished by ``expires_at``. Each transition is
    audited; ``outcome`` holds the booth's error code and detail."""

    __tablename__ = "booth_commands"
    __table_args__ = (
        Index("ix_booth_commands_state_expires", "state", "expires_at"),
        Index("ix_booth_commands_booth_issued", "booth_id", "issued_at"),
    )

    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booths.id"))
    kind: Mapped[CommandKind] = mapped_column(StrEnumText(CommandKind, 32))
    params: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    state: Mapped[CommandState] = mapped_column(StrEnumText(CommandState, 16))
    issued_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_accounts.id"))
    issued_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(200))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JsonColumn)
