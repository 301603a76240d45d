"""Identity tokens (人证核验): short-lived, bound to one citizen and one booth, with the
face check they were issued on."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gangting.kernel.db import Base


class IdentityToken(Base):
    __tablename__ = "identity_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"))
    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booths.id"))
    # What the booth's face check reported: a legacy match score (0–1), or the evidence of
    # the live-face check (descriptor distance, the booth's threshold, liveness outcome).
    face_score: Mapped[float | None]
    face_distance: Mapped[float | None]
    face_threshold: Mapped[float | None]
    liveness_passed: Mapped[bool | None]
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class IdentityNonce(Base):
    """A single-use nonce the centre issued to one booth for one identity check: the booth
    signs it into its evidence; the check consumes it (``used_at``) atomically. Only its
    hash is kept. Rows stay for the rate baseline (``identity.service.hourly_checks``) and
    are deleted after ``NONCE_KEEP_DAYS``."""

    __tablename__ = "identity_nonces"
    __table_args__ = (Index("ix_identity_nonces_booth_issued", "booth_id", "issued_at"),)

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booths.id"))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
