"""The alerts table: one row per thing a person must handle, whatever raised it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from gangting.alerts.rules import AlertKind, AlertState
from gangting.kernel.db import Base, IdMixin, JsonColumn, StrEnumText

_NOT_CLOSED = text("state <> 'closed'")


class Alert(IdMixin, Base):
    """An alert: kind (hit | booth_fault | help_call | missed_deadline), severity, what it
    is about, open -> acknowledged -> closed, an owner. ``key`` is the natural key of what
    raised it ("booth_fault:BT-KDL-001:door_open", "hit:<id>"): while an alert with a key is
    not closed, raising the same key again adds no second alert. ``org_unit_id`` scopes who
    sees it (the booth's unit, or the unit that owed the deadline)."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(
            "uq_alerts_key_not_closed",
            "key",
            unique=True,
            sqlite_where=_NOT_CLOSED,
            postgresql_where=_NOT_CLOSED,
        ),
        Index("ix_alerts_state_raised", "state", "raised_at"),
        Index("ix_alerts_booth_state", "booth_id", "state"),
        Index("ix_alerts_subject", "subject_kind", "subject_id"),
    )

    key: Mapped[str] = mapped_column(String(160))
    kind: Mapped[AlertKind] = mapped_column(StrEnumText(AlertKind, 24))
    cause: Mapped[str] = mapped_column(String(48))
    severity: Mapped[str] = mapped_column(String(8))  # high | medium | low
    title: Mapped[str] = mapped_column(String(200))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    booth_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booths.id"))
    subject_kind: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    state: Mapped[AlertState] = mapped_column(StrEnumText(AlertState, 16))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_accounts.id"))
    owner: Mapped[str | None] = mapped_column(String(64))
    raised_at: Mapped[datetime]
    last_raised_at: Mapped[datetime]
    occurrences: Mapped[int] = mapped_column(default=1)
    # When the condition went away (a booth fault that cleared); None while it lasts.
    cleared_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(64))
    close_note: Mapped[str | None] = mapped_column(String(500))
