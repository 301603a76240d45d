"""Identity tokens (人证核验): short-lived, bound to one citizen and one booth."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gangting.kernel.db import Base


class IdentityToken(Base):
    __tablename__ = "identity_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"))
    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booths.id"))
    face_score: Mapped[float]
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
