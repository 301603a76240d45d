"""Citizens: the people a booth serves. Personal data: mask in staff views (PIPL)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from gangting.audit.ledger import ledger_bound
from gangting.kernel.db import Base, IdMixin


class Citizen(IdMixin, Base):
    __tablename__ = "citizens"

    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    birth_date: Mapped[date]
    area_code: Mapped[str] = mapped_column(String(6))


@ledger_bound
class HealthCertificate(IdMixin, Base):
    """身体条件证明 (驾驶证规定 第85条: valid 6 months)."""

    __tablename__ = "health_certificates"

    citizen_id: Mapped[uuid.UUID] = mapped_column(index=True)
    certificate_no: Mapped[str] = mapped_column(String(40), unique=True)
    institution: Mapped[str] = mapped_column(String(128))
    issued_on: Mapped[date]
    purpose: Mapped[str] = mapped_column(String(16))  # renewal | yearly_70
