"""Helpers of the watch-list and alert tests: staff calls, plate reads through the booth
API, vehicles in a given state."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from gangting.booths.models import Booth
from gangting.kernel.actor import Actor
from gangting.plate_reads.models import PlateReadRecord
from gangting.plate_reads.schemas import PlateReadEvent
from gangting.plate_reads.service import record_plate_read
from gangting.vehicles.models import Vehicle
from gangting.watchlists.derivation import rebuild_derived_entries
from gangting.watchlists.hits import check_plate_read
from gangting.watchlists.rules import WatchListPolicy
from gangting.watchlists.service import IndexCache
from tests import builders
from tests.desks.conftest import Api

POLICY = WatchListPolicy()


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def staff_post(
    api: Api, token: str, path: str, body: dict[str, Any], key: str | None = None
) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key or uuid.uuid4().hex}
    return api.client.post(path, json=body, headers=headers)


def staff_get(api: Api, token: str, path: str, **params: Any) -> Any:
    return api.client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


def car(
    api: Api,
    plate: str,
    *,
    status: str = "normal",
    inspection_valid_until: date = date(2027, 11, 30),
    unprocessed: int = 0,
) -> uuid.UUID:
    """A registered vehicle in the given state, with ``unprocessed`` violations."""
    with api.ctx.uow() as uow:
        owner = builders.citizen(uow, name="李明")
        vehicle = builders.vehicle(uow, owner, plate, inspection_valid_until=inspection_valid_until)
        vehicle.status = status
        for i in range(unprocessed):
            builders.violation(uow, vehicle, days_ago=10 + i)
        return vehicle.id


def set_vehicle(api: Api, plate: str, **values: Any) -> None:
    with api.ctx.uow() as uow:
        vehicle = uow.session.execute(select(Vehicle).where(Vehicle.plate_no == plate)).scalar_one()
        for name, value in values.items():
            setattr(vehicle, name, value)


def rebuild(api: Api, policy: WatchListPolicy = POLICY) -> dict[str, Any]:
    with api.ctx.uow() as uow:
        return rebuild_derived_entries(uow, policy)


def read_plate(
    api: Api,
    plate: str,
    *,
    booth: str = "BT-KDL-001",
    confidences: list[float] | None = None,
    seen_ago_s: float = 5,
) -> uuid.UUID:
    """A plate read recorded for a booth as the booth API records it; its row's id."""
    seen = api.clock.now() - timedelta(seconds=seen_ago_s)
    body = builders.plate_read_body(
        booth,
        plate,
        seen,
        confidence=0.9,
        char_confidences=confidences or [0.95] * len(plate),
        evidence_jpeg_b64="aGl0",
    )
    # Stored without the watch-list check that the booth API runs, so that each test
    # calls ``check`` itself with its own cache and policy.
    with api.ctx.uow() as uow:
        row = uow.session.execute(select(Booth).where(Booth.code == booth)).scalar_one()
        actor = Actor(kind="booth", id=row.id, name=row.code)
        answer = record_plate_read(uow, actor, PlateReadEvent.model_validate(body))
    return uuid.UUID(answer["plate_read_id"])


def check(
    api: Api, read_id: uuid.UUID, cache: IndexCache, policy: WatchListPolicy = POLICY
) -> dict[str, Any] | None:
    with api.ctx.uow() as uow:
        read = uow.session.get(PlateReadRecord, read_id)
        assert read is not None
        return check_plate_read(uow, read, policy, cache)
