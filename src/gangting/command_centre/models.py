"""Remote assist (远程协助): one session per help call between a booth's kiosk and an
operator at the centre, and its messages (text both ways, hints pushed to the kiosk)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from gangting.command_centre.rules import AssistState, MessageKind, MessageSender
from gangting.kernel.db import Base, IdMixin, JsonColumn, StrEnumText

_NOT_CLOSED = text("state <> 'closed'")


class AssistSession(IdMixin, Base):
    """waiting (the kiosk asked for help) -> active (an operator joined) -> closed.
    At most one session per booth is not closed. ``screen`` is the kiosk's latest
    non-sensitive screen report (rules.kiosk_screen_view) and ``screen_reported_at`` its
    time on the centre; ``last_seq`` numbers the session's messages."""

    __tablename__ = "assist_sessions"
    __table_args__ = (
        Index(
            "uq_assist_sessions_booth_not_closed",
            "booth_id",
            unique=True,
            sqlite_where=_NOT_CLOSED,
            postgresql_where=_NOT_CLOSED,
        ),
        Index("ix_assist_sessions_state_opened", "state", "opened_at"),
    )

    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booths.id"))
    help_call_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("help_calls.id"))
    state: Mapped[AssistState] = mapped_column(StrEnumText(AssistState, 16))
    opened_at: Mapped[datetime]
    operator_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_accounts.id"))
    operator: Mapped[str | None] = mapped_column(String(64))
    joined_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(64))
    close_note: Mapped[str | None] = mapped_column(String(200))
    screen: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    screen_reported_at: Mapped[datetime | None]
    booth_seen_at: Mapped[datetime | None]
    last_seq: Mapped[int] = mapped_column(default=0)


class AssistMessage(IdMixin, Base):
    """One message of a session: ``sender`` citizen | operator | system, ``kind`` text |
    hint (a hint is shown large on the kiosk screen). ``client_id`` is the kiosk's own id of
    a citizen message, so a retried sync adds it once."""

    __tablename__ = "assist_messages"
    __table_args__ = (
        UniqueConstraint("session_id", "seq"),
        UniqueConstraint("session_id", "client_id"),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assist_sessions.id"))
    seq: Mapped[int]
    sender: Mapped[MessageSender] = mapped_column(StrEnumText(MessageSender, 16))
    kind: Mapped[MessageKind] = mapped_column(StrEnumText(MessageKind, 8))
    text: Mapped[str] = mapped_column(String(300))
    author: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    client_id: Mapped[str | None] = mapped_column(String(64))
