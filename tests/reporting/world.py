"""Hand-made service visits for the reports' tests: booths, applications and
``service_visits`` rows written straight into a migrated database, every figure countable by
hand from the rows below."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, update
from sqlalchemy.orm import Session

from gangting.applications.models import Application
from gangting.kernel.clock import FixedClock
from gangting.kernel.db import make_engine
from gangting.kernel.ids import new_id
from gangting.kernel.unit_of_work import UnitOfWork, session_factory
from gangting.reporting.sql import booths, service_visits
from gangting.staff.models import OrgUnit
from tests import builders

CST = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """'2026-11-02 09:05' in the city's zone."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=CST)


@dataclass
class World:
    engine: Engine
    uow_factory: Any
    booth_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    citizen_id: uuid.UUID | None = None
    seq: int = 0
    root_id: uuid.UUID | None = None  # the detachment every booth's unit sits under
    unit_ids: dict[str, uuid.UUID] = field(default_factory=dict)  # booth code -> its unit

    def staff(self, username: str, role: str, booth: str | None = None, name: str = "") -> None:
        """A staff account in the detachment (sees every booth), or in ``booth``'s unit."""
        with self.uow() as uow:
            unit_id = self.unit_ids[booth] if booth else self.root_id
            unit = uow.session.get(OrgUnit, unit_id)
            assert unit is not None
            account = builders.staff(uow, unit, username, role)
            if name:
                account.name = name

    def session(self) -> Session:
        return Session(self.engine)

    @contextmanager
    def uow(self) -> Iterator[UnitOfWork]:
        with self.uow_factory() as uow:
            yield uow

    def booth(
        self,
        code: str,
        district: str,
        lon: float,
        lat: float,
        opened: date | None,
        name: str | None = None,
    ) -> None:
        with self.uow() as uow:
            if self.root_id is None:
                self.root_id = builders.org_unit(uow, "BT", kind="detachment").id
            root = uow.session.get(OrgUnit, self.root_id)
            unit = builders.org_unit(uow, f"U{len(self.booth_ids)}", root)
            self.unit_ids[code] = unit.id
            b = builders.booth(uow, unit, code)
            b.district_code = district
            if name:
                b.name = name
            b.longitude, b.latitude = lon, lat
            if self.citizen_id is None:
                self.citizen_id = builders.citizen(uow).id
            uow.session.flush()
            uow.session.execute(update(booths).where(booths.c.id == b.id).values(opened_on=opened))
            self.booth_ids[code] = b.id

    def visit(
        self,
        *,
        channel: str = "booth",
        booth: str | None = None,
        hall: str | None = None,
        district: str,
        home: str | None,
        item: str = "process_violations",
        matter: str,
        visit_no: int = 1,
        queued: str,
        started: str,
        finished: str,
        outcome: str = "completed",
        refusal: str | None = None,
        application: bool = False,
    ) -> None:
        booth_id = self.booth_ids[booth] if booth else None
        with self.uow() as uow:
            app_id = None
            if application:
                self.seq += 1
                app = Application(
                    receipt_no=f"R-TEST-{self.seq:05d}",
                    service_item=item,
                    state="completed",
                    citizen_id=self.citizen_id,
                    booth_id=booth_id,
                    created_at=at(started),
                    updated_at=at(finished),
                )
                uow.session.add(app)
                uow.session.flush()
                app_id = app.id
            uow.session.execute(
                insert(service_visits).values(
                    id=new_id(),
                    channel=channel,
                    booth_id=booth_id,
                    hall_code=hall,
                    district_code=district,
                    home_district_code=home,
                    citizen_id=self.citizen_id,
                    application_id=app_id,
                    service_item=item,
                    matter_key=matter,
                    visit_no=visit_no,
                    queued_at=at(queued),
                    started_at=at(started),
                    finished_at=at(finished),
                    outcome=outcome,
                    refusal_code=refusal,
                )
            )


def open_world(database_url: str) -> World:
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    clock = FixedClock(at("2026-12-01 10:00"))
    return World(engine, lambda: UnitOfWork(sessions, clock))
