"""The centre worker: its scheduler, its jobs on a real database, and the plate-read
handler that the MQTT ingest calls (a read of a listed plate becomes a hit)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from gangting.audit.models import LedgerVerification
from gangting.booths.errors import PayloadInvalid
from gangting.kernel.actor import Actor
from gangting.plate_reads.models import PlateReadRecord
from gangting.watchlists.models import WatchListEntry, WatchListHit
from gangting.worker import Job, Scheduler, centre_jobs, plate_read_handler
from tests import builders
from tests.desks.conftest import Api
from tests.watchlists.helpers import car


def test_the_scheduler_runs_jobs_when_due_and_a_failure_stops_nothing() -> None:
    ran: list[str] = []

    def boom() -> None:
        raise RuntimeError("database away")

    jobs = [
        Job("a", 10, lambda: ran.append("a")),
        Job("b", 5, boom),
        Job("c", 5, lambda: ran.append("c")),
    ]
    scheduler = Scheduler(jobs)
    scheduler.run_due(100.0)
    assert ran == ["a", "c"] and jobs[1].failures == 1
    scheduler.run_due(103.0)  # nothing due yet
    assert ran == ["a", "c"]
    scheduler.run_due(105.0)  # b and c are due again, a is not
    assert ran == ["a", "c", "c"] and jobs[1].failures == 2
    scheduler.stopping.set()
    scheduler.run_due(200.0)
    assert ran == ["a", "c", "c"]


def _booth_actor(api: Api) -> Actor:
    from gangting.booths.models import Booth

    with api.ctx.uow() as uow:
        booth = uow.session.execute(select(Booth).where(Booth.code == "BT-KDL-001")).scalar_one()
        return Actor(kind="booth", id=booth.id, name=booth.code)


def _event(api: Api, plate: str) -> dict[str, Any]:
    return builders.plate_read_body("BT-KDL-001", plate, api.clock.now() - timedelta(seconds=5))


def test_jobs_rebuild_the_watch_list_and_a_plate_read_message_becomes_a_hit(
    api: Api, world: dict[str, Any]
) -> None:
    car(api, "蒙B5S555", status="stolen")
    jobs = {job.name: job for job in centre_jobs(api.ctx.settings, api.ctx.uow)}
    assert set(jobs) == {
        "commands.expire",
        "approvals.expire",
        "instructions.sweep",
        "ratings.escalate",
        "referrals.overdue",
        "watch_list.rebuild",
        "telemetry.retention",
        "plate_reads.retention",
        "audit.checkpoint",
        "audit.verify",
        "detection.run",
        "idempotency.retention",
    }
    for job in jobs.values():
        job.run()  # each runs once in its own unit of work without error
    with api.ctx.uow() as uow:
        run = uow.session.execute(select(LedgerVerification)).scalar_one()
        assert (run.by, run.ok, run.checkpoints) == ("worker", True, 1)
    with api.ctx.uow() as uow:
        listed = uow.session.execute(
            select(WatchListEntry.plate_no).where(WatchListEntry.state == "active")
        ).scalars()
        assert "蒙B5S555" in set(listed)

    handle = plate_read_handler(api.ctx.settings)
    actor = _booth_actor(api)
    message = json.dumps(_event(api, "蒙B55555"), ensure_ascii=False).encode()  # S read as 5
    with api.ctx.uow() as uow:
        assert handle(uow, actor, message) is True
    with api.ctx.uow() as uow:
        assert handle(uow, actor, message) is False  # redelivered: stored once
    with api.ctx.uow() as uow:
        assert (
            uow.session.execute(select(func.count()).select_from(PlateReadRecord)).scalar_one() == 1
        )
        hit = uow.session.execute(select(WatchListHit)).scalar_one()
        assert hit.state == "pending" and hit.score < 1.0
    with api.ctx.uow() as uow, pytest.raises(PayloadInvalid):
        handle(uow, actor, b'{"v": "1.0", "plate": 5}')
