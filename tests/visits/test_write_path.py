"""Every booth application files its service visit in the same unit of work (SQLite and
PostgreSQL, through the real API)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from gangting.applications.models import Application
from gangting.applications.service import record_application
from gangting.booths.models import Booth as BoothRow
from gangting.citizens.models import Citizen
from gangting.desks.transaction import citizen_answer
from gangting.kernel.actor import Actor
from gangting.visits.models import ServiceVisit
from tests import builders
from tests.desks.conftest import Api, Booth

CERT = {
    "certificate_no": "TJ2026110001",
    "institution": "包头市中心医院",
    "issued_on": "2026-11-20",
}


def _verified(api: Api, **licence: Any) -> tuple[Booth, uuid.UUID]:
    with api.ctx.uow() as uow:
        person = builders.citizen(uow, name="李娜", **licence)
        id_number, citizen_id = person.id_number, person.id
    b = Booth(api, api.login_booth())
    assert b.verify(id_number).status_code == 200
    return b, citizen_id


def _visits(api: Api, citizen_id: uuid.UUID) -> list[ServiceVisit]:
    with api.ctx.uow() as uow:
        rows = uow.session.scalars(
            select(ServiceVisit)
            .where(ServiceVisit.citizen_id == citizen_id)
            .order_by(ServiceVisit.finished_at, ServiceVisit.visit_no)
        ).all()
        uow.session.expunge_all()
        return list(rows)


def test_a_completed_booth_transaction_writes_one_visit(api: Api, world: dict[str, Any]) -> None:
    b, citizen_id = _verified(
        api,
        validity="six_years",
        valid_from=date(2020, 12, 20),
        expires_on=date(2026, 12, 20),
        first_issued_on=date(2020, 12, 20),
    )
    session_start = api.clock.now()
    api.clock.advance(timedelta(minutes=3))
    r = b.post("/api/v1/licences/renewal", {"health_certificate": CERT}, key="renew-1")
    assert r.status_code == 200, r.text
    # The booth's retry with the same key is a replay: no second visit.
    again = b.post("/api/v1/licences/renewal", {"health_certificate": CERT}, key="renew-1")
    assert again.json()["receipt_no"] == r.json()["receipt_no"]
    [visit] = _visits(api, citizen_id)
    with api.ctx.uow() as uow:
        app = uow.session.scalars(
            select(Application).where(Application.receipt_no == r.json()["receipt_no"])
        ).one()
        booth = uow.session.scalars(select(BoothRow).where(BoothRow.code == "BT-KDL-001")).one()
        assert visit.application_id == app.id
        assert visit.booth_id == booth.id
    assert visit.channel == "booth"
    assert visit.hall_code is None
    assert visit.district_code == "150203"
    assert visit.service_item == "renewal"
    assert visit.matter_key.startswith(f"renewal:{citizen_id.hex}:")
    assert visit.visit_no == 1
    assert visit.outcome == "completed"
    assert visit.refusal_code is None
    assert visit.queued_at == session_start
    assert visit.started_at == session_start  # the session's first item
    assert visit.finished_at == session_start + timedelta(minutes=3)


def test_a_refused_transaction_writes_one_visit_and_a_second_attempt_is_visit_two(
    api: Api, world: dict[str, Any]
) -> None:
    b, citizen_id = _verified(api, expires_on=date(2027, 6, 1), valid_from=date(2017, 6, 1))
    api.clock.advance(timedelta(minutes=2))
    r = b.post("/api/v1/licences/renewal", {"health_certificate": CERT})
    assert r.status_code == 409
    [first] = _visits(api, citizen_id)
    assert first.outcome == "refused"
    assert first.refusal_code == "licences.renewal_too_early"
    assert first.visit_no == 1
    assert first.application_id is not None

    api.clock.advance(timedelta(days=2))
    b = Booth(api, api.login_booth())  # the next day's booth session
    with api.ctx.uow() as uow:
        id_number = uow.session.execute(
            select(Citizen.id_number).where(Citizen.id == citizen_id)
        ).scalar_one()
    assert b.verify(id_number).status_code == 200
    second_session = api.clock.now()
    api.clock.advance(timedelta(minutes=1))
    assert b.post("/api/v1/licences/renewal", {"health_certificate": CERT}).status_code == 409
    visits = _visits(api, citizen_id)
    assert [v.visit_no for v in visits] == [1, 2]
    assert visits[1].matter_key == first.matter_key
    assert visits[1].queued_at == second_session
    assert visits[1].application_id != first.application_id


def test_a_rolled_back_transaction_writes_no_visit(api: Api, world: dict[str, Any]) -> None:
    b, citizen_id = _verified(api)
    with api.ctx.uow() as uow:
        booth = uow.session.scalars(select(BoothRow).where(BoothRow.code == "BT-KDL-001")).one()
        actor = Actor(kind="booth", id=booth.id, name=booth.code)

    def work(uow: Any, citizen: Any) -> dict[str, Any]:
        record_application(
            uow,
            actor,
            service_item="renewal",
            citizen_id=citizen.id,
            state="completed",
            reasons=[],
            result={},
        )
        raise RuntimeError("the database went away after the application was filed")

    with pytest.raises(RuntimeError):
        citizen_answer(
            api.ctx, actor, "k-rollback", b.identity, "/x", None, work, service_item="renewal"
        )
    with api.ctx.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ServiceVisit)) == 0
        assert (
            uow.session.scalar(
                select(func.count())
                .select_from(Application)
                .where(Application.citizen_id == citizen_id)
            )
            == 0
        )


def test_a_sessions_second_item_starts_when_the_first_finished(
    api: Api, world: dict[str, Any], booth: Booth
) -> None:
    session_start = api.clock.now()
    api.clock.advance(timedelta(minutes=2))
    r = booth.post("/api/v1/violations/process", {"violation_refs": [world["v2"]]})
    assert r.status_code == 200, r.text
    api.clock.advance(timedelta(minutes=1))
    r = booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    assert r.status_code == 200, r.text
    first, second = _visits(api, world["driver_id"])
    assert first.queued_at == second.queued_at == session_start
    assert first.started_at == session_start
    assert second.started_at == first.finished_at == session_start + timedelta(minutes=2)
    assert second.finished_at == session_start + timedelta(minutes=3)
    # The first matter was completed: the second item is a matter of its own.
    assert first.matter_key != second.matter_key
    assert first.visit_no == second.visit_no == 1
    assert first.matter_key.startswith(f"violation:{world['driver_id'].hex}:")
