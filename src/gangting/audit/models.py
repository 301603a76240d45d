"""Audit entries: every operation, written in the same transaction as the change."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gangting.kernel.db import Base, IdMixin, JsonColumn, StrEnumText


class ActorKind(StrEnum):
    """Who acted (kernel.actor.Actor.kind)."""

    BOOTH = "booth"
    STAFF = "staff"
    SYSTEM = "system"


class AuditEntry(IdMixin, Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_subject", "subject_kind", "subject_id"),)

    at: Mapped[datetime] = mapped_column(index=True)
    actor_kind: Mapped[ActorKind] = mapped_column(StrEnumText(ActorKind, 8))
    actor_id: Mapped[str] = mapped_column(String(64))
    booth_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(48))
    subject_kind: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
