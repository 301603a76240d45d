"""The approval row: one risky act a maker asked for, waiting for (or decided by) a checker."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from gangting.approvals.rules import ApprovalKind, ApprovalState
from gangting.kernel.db import Base, IdMixin, JsonColumn, StrEnumText


class Approval(IdMixin, Base):
    __tablename__ = "approvals"

    kind: Mapped[ApprovalKind] = mapped_column(StrEnumText(ApprovalKind, 32))
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    # The unit path of the record the act touches; None: no unit (the admins' only).
    subject_path: Mapped[str | None] = mapped_column(String(255), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    maker: Mapped[str] = mapped_column(String(64))
    maker_id: Mapped[uuid.UUID]
    state: Mapped[ApprovalState] = mapped_column(StrEnumText(ApprovalState, 16), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    checker: Mapped[str | None] = mapped_column(String(64))
    checker_id: Mapped[uuid.UUID | None]
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonColumn)
