"""What happens in the city, through the domains' own services (each in its own unit of
work), for the command-centre tests: a booth reports telemetry, a camera reads a plate that
is on the watch-list, a help call. Used in-process and from the browser tests, where the
test process plays "another centre process" writing to the same database."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from gangting.alerts.service import raise_booth_faults
from gangting.booths import service as booths
from gangting.booths.models import Booth, HelpCall
from gangting.desks import booth_reports
from gangting.kernel.actor import Actor
from gangting.kernel.clock import Clock
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.plate_reads.models import PlateReadRecord
from gangting.plate_reads.schemas import PlateReadEvent
from gangting.plate_reads.service import record_plate_read
from gangting.watchlists.hits import check_plate_read
from gangting.watchlists.rules import WatchListPolicy
from gangting.watchlists.service import IndexCache, add_manual_entry
from tests import builders
from tests.devices.harness import staff_actor as staff_actor

UowFactory = Callable[[], UnitOfWork]
POLICY = WatchListPolicy()


def booth_actor(new_uow: UowFactory, code: str) -> Actor:
    with new_uow() as uow:
        booth = uow.session.execute(select(Booth).where(Booth.code == code)).scalar_one()
        return Actor("booth", booth.id, booth.code)


def telemetry(
    new_uow: UowFactory, code: str, kind: str, value: Any, at: datetime, *, faults: bool = True
) -> None:
    """A reading as the MQTT ingest applies it (history + current state) and, as the
    alerts module asks of that consumer, the booth's fault alerts brought in line."""
    actor = booth_actor(new_uow, code)
    assert actor.id is not None
    with new_uow() as uow:
        state = booths.apply_telemetry(uow, actor.id, kind, value, at)
        if faults:
            booth = uow.session.get(Booth, actor.id)
            assert booth is not None
            raise_booth_faults(uow, booth, state)


def watch(new_uow: UowFactory, supervisor: str, owner: str, plate: str, clock: Clock) -> None:
    """A manual watch-list entry (人工布控) for ``plate``."""
    actor = staff_actor(new_uow, supervisor)
    with new_uow() as uow:
        add_manual_entry(
            uow,
            actor,
            plate_text=plate,
            reason="协查被盗车辆，发现即拦截",
            owner=owner,
            expires_at=clock.now() + timedelta(days=7),
            policy=POLICY,
        )


def plate_event(
    plate: str, booth: str, seen: datetime, evidence: str | None = "aGl0"
) -> PlateReadEvent:
    body = builders.plate_read_body(
        booth,
        plate,
        seen,
        confidence=0.93,
        char_confidences=[0.95] * len(plate.replace("·", "")),
        evidence_jpeg_b64=evidence,
    )
    return PlateReadEvent.model_validate(body)


def read_plate(
    new_uow: UowFactory,
    code: str,
    plate: str,
    seen: datetime,
    *,
    evidence: str | None = "aGl0",
    cache: IndexCache | None = None,
) -> tuple[uuid.UUID, dict[str, Any] | None]:
    """A booth camera's read recorded and matched against the watch-list in one unit of
    work (as the plate-read ingest does); the read's id and the hit (or None)."""
    actor = booth_actor(new_uow, code)
    with new_uow() as uow:
        answer = record_plate_read(uow, actor, plate_event(plate, code, seen, evidence))
        read = uow.session.get(PlateReadRecord, uuid.UUID(answer["plate_read_id"]))
        assert read is not None
        hit = check_plate_read(uow, read, POLICY, cache or IndexCache())
        return read.id, hit


def help_call(new_uow: UowFactory, code: str) -> uuid.UUID:
    actor = booth_actor(new_uow, code)
    with new_uow() as uow:
        body = booth_reports.call_help(uow, actor, "assistance", "岗亭求助按钮", None)
        return uuid.UUID(body["help_call_id"])


def help_calls(new_uow: UowFactory, code: str) -> list[HelpCall]:
    with new_uow() as uow:
        return list(
            uow.session.execute(
                select(HelpCall)
                .join(Booth, Booth.id == HelpCall.booth_id)
                .where(Booth.code == code)
            ).scalars()
        )
