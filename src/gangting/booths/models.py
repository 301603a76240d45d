"""The booth registry: identity, placement, credentials, and who disabled it and why."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gangting.kernel.db import Base, IdMixin


class Booth(IdMixin, Base):
    __tablename__ = "booths"

    code: Mapped[str] = mapped_column(String(32), unique=True)  # BT-KDL-001
    name: Mapped[str] = mapped_column(String(64))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    district_code: Mapped[str] = mapped_column(String(6))
    address: Mapped[str] = mapped_column(String(128))
    longitude: Mapped[float]
    latitude: Mapped[float]
    secret_hash: Mapped[str] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_by: Mapped[str | None] = mapped_column(String(64))
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
