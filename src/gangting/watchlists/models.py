"""Watch-list tables: the entries (derived from the records or manual), the list's version
counter that booth copies follow, and the hits of plate reads on entries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from gangting.kernel.db import Base, IdMixin, JsonColumn, StrEnumText
from gangting.watchlists.rules import EntryState, HitState, ReasonKind, SourceKind

_ACTIVE = text("state = 'active'")


class WatchListEntry(IdMixin, Base):
    """One reason to look for one plate. Derived entries (``reason_kind`` other than
    "manual") are added and withdrawn by the derivation as the records change; manual ones
    have a person's reason, an owner and an expiry. Rows are never deleted: a withdrawn row
    tells booth copies to drop the entry. ``version`` is the list version at which the row
    last changed (a booth asks for the rows changed after the version it holds)."""

    __tablename__ = "watch_list_entries"
    __table_args__ = (
        Index("ix_watch_list_entries_version", "version"),
        Index("ix_watch_list_entries_plate_no", "plate_no"),
        # One active entry per plate and reason: derivation and manual listing stay
        # idempotent even when two run at once.
        Index(
            "uq_watch_list_entries_active_plate_kind",
            "plate_no",
            "reason_kind",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
    )

    plate_no: Mapped[str] = mapped_column(String(10))
    reason_kind: Mapped[ReasonKind] = mapped_column(StrEnumText(ReasonKind, 32))
    reason: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[list[str]] = mapped_column(JsonColumn, default=list)
    # What the entry comes from: "vehicle" (status or inspection), "violations" (the plate's
    # unprocessed records) or "staff" (manual); source_ref names the record.
    source_kind: Mapped[SourceKind] = mapped_column(StrEnumText(SourceKind, 16))
    source_ref: Mapped[str] = mapped_column(String(64))
    facts: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("vehicles.id"))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_accounts.id"))
    state: Mapped[EntryState] = mapped_column(StrEnumText(EntryState, 16))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdrawn_reason: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(BigInteger)


class WatchListCounter(Base):
    """The list's version: one row, raised once by every change of the list, locked by the
    writer for its unit of work so that versions commit in order."""

    __tablename__ = "watch_list_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime | None]


class WatchListHit(IdMixin, Base):
    """A plate read that matched an entry (比中): one per vehicle pass at a booth, pending
    until a person confirms or rejects it on the centre."""

    __tablename__ = "watch_list_hits"
    __table_args__ = (
        Index("ix_watch_list_hits_booth_plate_seen", "booth_id", "plate_no", "seen_at"),
        Index("ix_watch_list_hits_state_raised", "state", "raised_at"),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("watch_list_entries.id"), index=True)
    # The read that raised it (one hit per read: a redelivered read adds nothing).
    plate_read_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("plate_reads.id"), unique=True
    )
    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booths.id"))
    camera: Mapped[str] = mapped_column(String(32))
    plate_no: Mapped[str] = mapped_column(String(10))  # the listed plate
    read_plate: Mapped[str] = mapped_column(String(10))  # what the camera read
    score: Mapped[float]
    matches: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn, default=list)
    seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    repeats: Mapped[int] = mapped_column(default=0)
    raised_at: Mapped[datetime]
    state: Mapped[HitState] = mapped_column(StrEnumText(HitState, 16))
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_accounts.id"))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(500))
