"""Applications (办件): every booth transaction, with a receipt number, a state and the
reasons and legal basis of its decision."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gangting.kernel.db import Base, IdMixin, JsonColumn, StrEnumText


class ApplicationState(StrEnum):
    COMPLETED = "completed"
    REFUSED = "refused"
    PENDING = "pending"


class Application(IdMixin, Base):
    __tablename__ = "applications"

    receipt_no: Mapped[str] = mapped_column(String(32), unique=True)
    service_item: Mapped[str] = mapped_column(String(32))  # process_violations, renewal, …
    state: Mapped[ApplicationState] = mapped_column(StrEnumText(ApplicationState, 16))
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), index=True)
    booth_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booths.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    reasons: Mapped[list[Any]] = mapped_column(JsonColumn, default=list)
    legal_basis: Mapped[list[Any]] = mapped_column(JsonColumn, default=list)
    result: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
