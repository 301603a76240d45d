"""Plate reads: one row per vehicle pass a booth camera reported (过车号牌识别记录)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gangting.kernel.db import Base, IdMixin, JsonColumn


class PlateReadRecord(IdMixin, Base):
    """A booth camera's voted read of one passing (or parked) vehicle. Stored once per
    ``event_id``: a booth that sends the same event again (retry, replayed outbox) adds
    nothing. ``vehicle_id`` links the read to the registered vehicle with that plate."""

    __tablename__ = "plate_reads"
    __table_args__ = (Index("ix_plate_reads_booth_seen", "booth_id", "first_seen_at"),)
    # received_at: the centre's clock, which retention ages reads by (indexed, migration 0018).

    event_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    payload_version: Mapped[str] = mapped_column(String(8))  # the event's v, "1.0"
    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booths.id"))
    camera: Mapped[str] = mapped_column(String(32))
    plate_no: Mapped[str] = mapped_column(String(10), index=True)
    colour: Mapped[str] = mapped_column(String(16))
    plate_type: Mapped[str] = mapped_column(String(24))
    confidence: Mapped[float]
    char_confidences: Mapped[list[float]] = mapped_column(JsonColumn)
    frames: Mapped[int]
    agreeing: Mapped[int]
    first_seen_at: Mapped[datetime] = mapped_column(index=True)
    last_seen_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(index=True)
    box: Mapped[Any | None] = mapped_column(JsonColumn)
    frame_size: Mapped[Any | None] = mapped_column(JsonColumn)
    evidence_jpeg_b64: Mapped[str | None] = mapped_column(Text)
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("vehicles.id"), index=True)
