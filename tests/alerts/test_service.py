"""Raising alerts (SQLite and PostgreSQL): booth faults follow the booth's current state
without duplicates, help calls and missed deadlines raise one alert per natural key."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from gangting.alerts import service
from gangting.alerts.models import Alert
from gangting.alerts.rules import FaultPolicy
from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth, BoothState, HelpCall
from gangting.booths.service import apply_telemetry
from gangting.kernel.actor import Actor
from gangting.staff.service import authenticate, login_staff
from tests import builders
from tests.desks.conftest import Api

CODE = "BT-KDL-001"


def _report(
    api: Api,
    readings: dict[str, object],
    *,
    availability: str | None = None,
    adapters: dict[str, str] | None = None,
    policy: FaultPolicy | None = None,
) -> dict[str, list[str]]:
    """Telemetry in (through the booths' own current-state code), then the faults raised."""
    with api.ctx.uow() as uow:
        booth = uow.session.execute(select(Booth).where(Booth.code == CODE)).scalar_one()
        for kind, value in readings.items():
            apply_telemetry(uow, booth.id, kind, value, uow.clock.now())
        state = uow.session.get(BoothState, booth.id)
        if state is None:
            apply_telemetry(uow, booth.id, "heartbeat", 1, uow.clock.now())
            state = uow.session.get(BoothState, booth.id)
        assert state is not None
        if availability is not None:
            state.availability = availability
        if adapters is not None:
            state.reported = {"kiosk": "in_service", "adapters": adapters}
        return service.raise_booth_faults(uow, booth, state, policy)


def _alerts(api: Api) -> list[Alert]:
    with api.ctx.uow() as uow:
        return list(uow.session.execute(select(Alert).order_by(Alert.key)).scalars())


def test_a_repeated_fault_does_not_duplicate_its_alert(api: Api, world: dict[str, Any]) -> None:
    first = _report(api, {"door": "open", "paper": "out"})
    assert first == {"raised": ["door_open", "printer_paper_out"], "recurred": [], "cleared": []}
    again = _report(api, {"door": "open", "paper": "out", "temperature_c": 21})
    assert again == {"raised": [], "recurred": [], "cleared": []}
    alerts = _alerts(api)
    assert [a.key for a in alerts] == [
        f"booth_fault:{CODE}:door_open",
        f"booth_fault:{CODE}:printer_paper_out",
    ]
    door = alerts[0]
    assert door.kind == "booth_fault" and door.severity == "high" and door.state == "open"
    assert door.subject_kind == "booth" and door.subject_id == CODE
    assert door.title == "昆都仑测试岗亭（BT-KDL-001）机柜门未关闭"
    assert door.occurrences == 1 and door.cleared_at is None


def test_a_cleared_fault_is_marked_and_counted_when_it_comes_back(
    api: Api, world: dict[str, Any]
) -> None:
    _report(api, {"door": "open"})
    api.clock.advance(timedelta(minutes=1))
    assert _report(api, {"door": "closed"})["cleared"] == ["door_open"]
    (door,) = _alerts(api)
    assert door.state == "open" and door.cleared_at == api.clock.now()
    api.clock.advance(timedelta(minutes=1))
    assert _report(api, {"door": "open"})["recurred"] == ["door_open"]
    (door,) = _alerts(api)
    assert door.cleared_at is None and door.occurrences == 2
    assert door.last_raised_at == api.clock.now()
    # Once a person closed it, the same fault opens a new alert.
    with api.ctx.uow() as uow:
        service.settle_subject_alerts(uow, _admin(api), "booth", CODE, close="已派人关门")
    assert _report(api, {"door": "open"})["raised"] == ["door_open"]
    assert [a.state for a in _alerts(api)] == ["closed", "open"]
    with api.ctx.uow() as uow:
        actions = list(
            uow.session.execute(
                select(AuditEntry.action)
                .where(AuditEntry.action.startswith("alert."))
                .order_by(AuditEntry.at, AuditEntry.id)
            ).scalars()
        )
    assert actions == [
        "alert.raised",
        "alert.cleared",
        "alert.recurred",
        "alert.closed",
        "alert.raised",
    ]


def test_offline_and_adapter_faults(api: Api, world: dict[str, Any]) -> None:
    out = _report(
        api,
        {"temperature_c": 55},
        availability="offline",
        adapters={"printer": "fault", "id_reader": "ok"},
    )
    assert out["raised"] == ["offline", "over_temperature", "printer_failed"]
    cooler = _report(api, {"temperature_c": 55}, availability="online", policy=FaultPolicy(60))
    assert cooler["cleared"] == ["offline", "over_temperature"]


def test_a_help_call_raises_one_alert(api: Api, world: dict[str, Any]) -> None:
    with api.ctx.uow() as uow:
        booth = uow.session.execute(select(Booth).where(Booth.code == CODE)).scalar_one()
        now = uow.clock.now()
        call = HelpCall(
            booth_id=booth.id, kind="emergency", called_at=now, received_at=now, state="open"
        )
        uow.session.add(call)
        uow.session.flush()
        alert = service.raise_help_call_alert(uow, call)
        assert service.raise_help_call_alert(uow, call).id == alert.id
        assert alert.kind == "help_call" and alert.severity == "high"
        assert alert.org_unit_id == booth.org_unit_id and alert.subject_id == str(call.id)
    assert len(_alerts(api)) == 1


def test_a_missed_deadline_raises_one_alert_per_subject_and_step(
    api: Api, world: dict[str, Any]
) -> None:
    subject = str(uuid.uuid4())
    with api.ctx.uow() as uow:
        booth = uow.session.execute(select(Booth).where(Booth.code == CODE)).scalar_one()
        due = uow.clock.now() - timedelta(minutes=5)
        args: dict[str, Any] = {
            "subject_kind": "instruction",
            "subject_id": subject,
            "due_at": due,
            "org_unit_id": booth.org_unit_id,
            "title": "指令超时未签收",
        }
        ack = service.raise_missed_deadline(uow, step="acknowledge", **args)
        assert service.raise_missed_deadline(uow, step="acknowledge", **args).id == ack.id
        report = service.raise_missed_deadline(uow, step="report", severity="high", **args)
        assert report.id != ack.id and report.severity == "high"
        assert ack.key == f"missed_deadline:instruction:{subject}:acknowledge"
        assert ack.data["due_at"] == due.isoformat()
    assert len(_alerts(api)) == 2


def _admin(api: Api) -> Actor:
    with api.ctx.uow() as uow:
        token = login_staff(uow, "admin", builders.STAFF_PASSWORD, 600)
        return authenticate(uow, token)
