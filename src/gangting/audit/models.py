"""Audit entries: every operation, written in the same transaction as the change."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
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
    # The entry as written: canonical JSON of the fields above (audit.ledger.canonical_body),
    # and its SHA-256. The chain hashes these stored bytes, never a re-serialisation.
    body: Mapped[str] = mapped_column(Text)
    body_hash: Mapped[str] = mapped_column(String(64))


class LedgerLink(Base):
    """One link of the audit ledger's hash chain (decision 0009): the entry at position
    ``seq``, the hash of the link before it, and this link's hash
    SHA-256(prev_hash || entry body_hash). Appended at commit under one lock, insert-only;
    ``prev_hash`` is unique, so the chain can never fork."""

    __tablename__ = "ledger_links"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("audit_entries.id"), unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    link_hash: Mapped[str] = mapped_column(String(64), unique=True)


class LedgerCheckpoint(Base):
    """A signed Merkle root over the first ``tree_size`` links (kernel.checkpoint); the
    same line is appended to a file outside the database (decision 0009)."""

    __tablename__ = "ledger_checkpoints"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))


class LedgerVerification(IdMixin, Base):
    """One run of the ledger's verification (``gangting audit verify`` or the worker's daily
    ``audit.verify``): when, by what, how long, how far it got and the first problem it named,
    so the supervision screen can show the ledger's state without walking the chain."""

    __tablename__ = "ledger_verifications"

    started_at: Mapped[datetime] = mapped_column(index=True)
    seconds: Mapped[float]  # wall time of the walk
    by: Mapped[str] = mapped_column(String(16))  # cli | worker
    ok: Mapped[bool]
    entries: Mapped[int] = mapped_column(BigInteger)  # links walked before the first problem
    head_hash: Mapped[str] = mapped_column(String(64))
    checkpoints: Mapped[int]  # signed checkpoints checked against
    bound_rows: Mapped[int] = mapped_column(BigInteger)
    unbound_rows: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    # The first problem (kind, position, entry, zh-CN message) and every problem, capped.
    first_kind: Mapped[str | None] = mapped_column(String(32))
    first_seq: Mapped[int | None] = mapped_column(BigInteger)
    first_entry_id: Mapped[str | None] = mapped_column(String(64))
    first_message: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[list[Any]] = mapped_column(JsonColumn, default=list)
