"""The service visit: one citizen served once, at a booth or a service hall (服务大厅), for
one service item, with its matter (办理事项) so that the one-visit rate (一次办结率) can count
the visits each matter took."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gangting.kernel.db import Base, IdMixin


class ServiceVisit(IdMixin, Base):
    __tablename__ = "service_visits"
    __table_args__ = (
        Index("ix_service_visits_started_at", "started_at"),
        Index("ix_service_visits_booth_started", "booth_id", "started_at"),
        Index("ix_service_visits_district_started", "district_code", "started_at"),
        # visit_no of the next visit and the one-visit rate look matters up by key.
        Index("ix_service_visits_matter_key", "matter_key", "visit_no"),
    )

    channel: Mapped[str] = mapped_column(String(8))  # booth | hall
    booth_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booths.id"))
    hall_code: Mapped[str | None] = mapped_column(String(16))
    district_code: Mapped[str] = mapped_column(String(6))  # where served
    home_district_code: Mapped[str | None] = mapped_column(String(6))
    citizen_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("applications.id"), unique=True
    )
    service_item: Mapped[str] = mapped_column(String(32))
    matter_key: Mapped[str] = mapped_column(String(80))
    visit_no: Mapped[int]
    queued_at: Mapped[datetime]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(16))  # completed | refused | referred
    refusal_code: Mapped[str | None] = mapped_column(String(64))
