"""The reads behind the live feed's views: one cache of booths and org units (they rarely
change) for the whole feed, and per batch of changes a fresh session on the committing
engine, opened only when a view needs a read (kernel.live.LiveReads)."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from gangting.booths.models import Booth
from gangting.command_centre.views import BoothInfo, booth_info
from gangting.kernel.live import LiveUnit
from gangting.staff.models import OrgUnit


class Directory:
    """Booths and org units by id, remembered for ``ttl_s``."""

    def __init__(self, ttl_s: float = 60.0, max_size: int = 50_000) -> None:
        self._ttl_s = ttl_s
        self._max_size = max_size
        self._booths: dict[uuid.UUID, tuple[float, BoothInfo]] = {}
        self._units: dict[uuid.UUID, tuple[float, LiveUnit]] = {}

    def booth(self, session: Session, booth_id: uuid.UUID) -> BoothInfo | None:
        item = self._booths.get(booth_id)
        if item is not None and item[0] > time.monotonic():
            return item[1]
        row = session.execute(
            select(Booth, OrgUnit)
            .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
            .where(Booth.id == booth_id)
        ).first()
        if row is None:
            return None
        info = booth_info(*row)
        if len(self._booths) > self._max_size:
            self._booths.clear()
        self._booths[booth_id] = (time.monotonic() + self._ttl_s, info)
        return info

    def unit(self, session: Session, unit_id: uuid.UUID) -> LiveUnit | None:
        item = self._units.get(unit_id)
        if item is not None and item[0] > time.monotonic():
            return item[1]
        row = session.get(OrgUnit, unit_id)
        if row is None:
            return None
        unit = LiveUnit(row.code, row.path)
        if len(self._units) > self._max_size:
            self._units.clear()
        self._units[unit_id] = (time.monotonic() + self._ttl_s, unit)
        return unit


class Reads:
    """What one batch of views reads (kernel.live.LiveReads): its own session, opened on
    first use and closed by ``close``, and the feed's directory."""

    def __init__(self, engine: Engine, directory: Directory) -> None:
        self._engine = engine
        self._directory = directory
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(self._engine, expire_on_commit=False, autoflush=False)
        return self._session

    def booth(self, booth_id: uuid.UUID) -> BoothInfo | None:
        return self._directory.booth(self.session, booth_id)

    def unit(self, unit_id: uuid.UUID) -> LiveUnit | None:
        return self._directory.unit(self.session, unit_id)

    def close(self) -> None:
        if self._session is not None:
            self._session.rollback()
            self._session.close()
            self._session = None
