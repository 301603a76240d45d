"""The detection job over planted records (SQLite and PostgreSQL): each pattern fires on
the planted rows and not on the clean ones, reruns update instead of duplicating, and a
supervisor's verdict is stored, audited, scoped and not undone by the same evidence."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from gangting.applications.models import Application
from gangting.audit import service as audit
from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from gangting.citizens.models import Citizen
from gangting.cli import app as cli_app
from gangting.desks.detection import run_detection
from gangting.desks.detection_schemas import VerdictAnswer
from gangting.detection.models import DetectionCase
from gangting.detection.rules import CaseState, Thresholds
from gangting.kernel.actor import Actor
from gangting.kernel.clock import CITY_ZONE
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import StaffAccount
from tests import builders
from tests.desks.conftest import Api

FIRST_ISSUED = date(2010, 3, 15)
_seq = itertools.count(1)
TH = Thresholds()


def _person(uow: UnitOfWork, name: str, phone: str | None = None) -> Citizen:
    person = builders.citizen(uow, name=name)
    person.phone = phone or f"1370000{next(_seq):04d}"
    return person


def _take(
    uow: UnitOfWork, driver: Citizen, car: Any, today: date, days_ago: int, booth: Booth
) -> None:
    builders.overdue_decision(
        uow,
        driver,
        car,
        FIRST_ISSUED,
        decided_on=today - timedelta(days=days_ago),
        booth_id=booth.id,
    )


def _application(
    uow: UnitOfWork, person: Citizen, booth: Booth, at: datetime, state: str = "completed"
) -> None:
    uow.session.add(
        Application(
            receipt_no=f"SLT{next(_seq):08d}",
            service_item="renewal",
            state=state,
            citizen_id=person.id,
            booth_id=booth.id,
            created_at=at,
            updated_at=at,
        )
    )


def _at(today: date, days_ago: int, hour: int, minute: int = 0) -> datetime:
    day = today - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CITY_ZONE)


def _plant(api: Api) -> dict[str, Any]:
    """Planted: a point seller, a repeat taker, a ring of 4 x 4, a shared phone, an identity
    at three booths in an hour, a booth and an officer working at night. Clean: a family
    sharing a car, a driver's own violations, three people sharing a phone, a citizen
    checked three times at one booth, daytime work."""
    clock = api.clock
    now = clock.now()
    today = clock.today()
    ids: dict[str, Any] = {}
    with api.ctx.uow() as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        kdl = builders.org_unit(uow, "KDL", top)
        qs = builders.org_unit(uow, "QS", top)
        b1 = builders.booth(uow, kdl, "BT-KDL-001")
        b2 = builders.booth(uow, kdl, "BT-KDL-002")
        b3 = builders.booth(uow, kdl, "BT-KDL-003")
        builders.booth(uow, qs, "BT-QS-001")
        builders.staff(uow, kdl, "sup-kdl", "supervisor")
        builders.staff(uow, qs, "sup-qs", "supervisor")
        officer = builders.staff(uow, kdl, "off-kdl", "officer")
        day_sup = builders.staff(uow, qs, "day-qs", "supervisor")
        builders.staff(uow, top, "admin", "admin")

        seller = _person(uow, "卖分人")
        for i in range(3):
            car = builders.vehicle(uow, _person(uow, f"车主{i}"), f"蒙BM{i:04d}")
            _take(uow, seller, car, today, 30 + i, b1)
        husband, wife = _person(uow, "丈夫"), _person(uow, "妻子")
        family_car = builders.vehicle(uow, wife, "蒙BF0001")
        _take(uow, husband, family_car, today, 20, b1)
        _take(uow, husband, family_car, today, 60, b1)
        own = _person(uow, "本人")
        own_car = builders.vehicle(uow, own, "蒙BO0001")
        for days in (5, 15, 25):
            _take(uow, own, own_car, today, days, b1)
        repeat = _person(uow, "常替人")
        repeat_car = builders.vehicle(uow, _person(uow, "被替车主"), "蒙BR0001")
        for days in (30, 400, 760):  # three scoring cycles
            _take(uow, repeat, repeat_car, today, days, b1)
        ring_drivers = [_person(uow, f"团伙驾驶人{i}") for i in range(4)]
        ring_cars = [
            builders.vehicle(uow, _person(uow, f"团伙车主{j}"), f"蒙BX{j:04d}") for j in range(4)
        ]
        for i, driver in enumerate(ring_drivers):
            for j, car in enumerate(ring_cars):
                _take(uow, driver, car, today, 10 + i + j, b2)

        for i in range(4):
            _application(uow, _person(uow, f"同号{i}", "13911112222"), b2, _at(today, 2, 10))
        for i in range(3):
            _application(uow, _person(uow, f"三人{i}", "13933334444"), b2, _at(today, 2, 11))
        night = _person(uow, "夜间")
        for days, hour in ((1, 23), (2, 2), (3, 6)):
            _application(uow, night, b3, _at(today, days, hour))
        _application(uow, night, b1, _at(today, 1, 10))
        ids.update(
            seller=str(seller.id),
            repeat=str(repeat.id),
            husband=str(husband.id),
            own=str(own.id),
            ring=[str(d.id) for d in ring_drivers],
            officer=str(officer.id),
            b1=b1.id,
            seller_obj_id=seller.id,
        )
        hopper, stayer = _person(uow, "跨亭"), _person(uow, "本亭")
        booths = {b.code: b for b in (b1, b2, b3)}
        day_actor = Actor("staff", day_sup.id, day_sup.username, role="supervisor")
        night_actor = Actor("staff", officer.id, officer.username, role="officer")
    plan = [
        (_at(today, 3, 10, 0), "BT-KDL-001", hopper),
        (_at(today, 3, 10, 20), "BT-KDL-002", hopper),
        (_at(today, 3, 10, 50), "BT-KDL-003", hopper),
        (_at(today, 3, 11, 0), "BT-KDL-001", stayer),
        (_at(today, 3, 11, 10), "BT-KDL-001", stayer),
        (_at(today, 3, 11, 20), "BT-KDL-001", stayer),
    ]
    for at, code, person in plan:
        clock.set(at)
        booth = booths[code]
        with api.ctx.uow() as uow:
            actor = Actor("booth", booth.id, booth.code)
            audit.record(uow, actor, "identity.verified", "citizen", person.id)
    for days, hour in ((1, 22), (2, 23), (3, 5)):
        clock.set(_at(today, days, hour))
        with api.ctx.uow() as uow:
            audit.record(uow, night_actor, "citizen.lookup", "citizen", hopper.id, reason="核查")
        clock.set(_at(today, days, 14))
        with api.ctx.uow() as uow:
            audit.record(uow, day_actor, "citizen.lookup", "citizen", hopper.id, reason="核查")
    clock.set(now)
    ids["hopper"] = str(hopper.id)
    return ids


def _cases(api: Api) -> list[DetectionCase]:
    with api.ctx.uow() as uow:
        cases = list(uow.session.execute(select(DetectionCase)).scalars())
        uow.session.expunge_all()
        return cases


def _run(api: Api) -> dict[str, dict[str, int]]:
    with api.ctx.uow() as uow:
        return run_detection(uow, TH)


def test_each_pattern_fires_on_the_planted_records_only(api: Api) -> None:
    ids = _plant(api)
    counts = _run(api)
    cases = _cases(api)
    by_pattern: dict[str, set[str]] = {}
    for c in cases:
        by_pattern.setdefault(c.pattern.value, set()).add(c.subject_id)
    assert by_pattern["points.many_owners"] == {ids["seller"], *ids["ring"]}
    assert by_pattern["points.repeat_taker"] == {ids["repeat"]}
    assert len(by_pattern["points.dense_block"]) == 1
    assert len(by_pattern["agents.shared_phone"]) == 1
    assert by_pattern["agents.identity_hopping"] == {ids["hopper"]}
    assert by_pattern["operations.off_hours"] == {"BT-KDL-003", ids["officer"]}
    assert "operations.outlier" not in by_pattern  # 4 booths: too few peers
    assert {k: v["found"] for k, v in counts.items() if v["found"]} == {
        p: len(s) for p, s in by_pattern.items()
    }
    everyone = {s for subjects in by_pattern.values() for s in subjects}
    assert ids["husband"] not in everyone and ids["own"] not in everyone

    block = next(c for c in cases if c.pattern == "points.dense_block")
    numbers = block.reasons[0]["numbers"]
    assert (numbers["drivers"], numbers["owners"], numbers["decisions"]) == (4, 4, 16)
    assert len(block.evidence["decisions"]) == 16
    assert block.unit_path == "/BT/KDL/"
    seller = next(c for c in cases if c.subject_id == ids["seller"])
    assert seller.state == CaseState.OPEN and seller.unit_path == "/BT/KDL/"
    assert "记分管理办法》第30条" in seller.reasons[0]["legal_basis"][0]
    assert len(seller.evidence["decisions"]) == 3 and seller.evidence["booths"] == ["BT-KDL-001"]
    assert all("*" in label for label in seller.evidence["citizens"])  # masked
    phone = next(c for c in cases if c.pattern == "agents.shared_phone")
    assert "139****2222" in phone.reasons[0]["message"] and "13911112222" not in str(
        [phone.subject_id, phone.subject_label, phone.reasons, phone.evidence]
    )
    hop = next(c for c in cases if c.pattern == "agents.identity_hopping")
    assert hop.evidence["booths"] == ["BT-KDL-001", "BT-KDL-002", "BT-KDL-003"]
    assert len(hop.evidence["audit_entries"]) == 3

    # a rerun updates the cases: no duplicates
    again = _run(api)
    assert sum(v.get("new", 0) for v in again.values()) == 0
    assert len(_cases(api)) == len(cases)
    with api.ctx.uow() as uow:
        keys = Counter(
            uow.session.execute(
                select(DetectionCase.pattern, DetectionCase.subject_kind, DetectionCase.subject_id)
            ).all()
        )
    assert max(keys.values()) == 1


def _headers(api: Api, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.login_staff(who)}", "Idempotency-Key": uuid.uuid4().hex}


def test_a_verdict_is_stored_audited_scoped_and_a_false_alarm_stays_closed(api: Api) -> None:
    ids = _plant(api)
    _run(api)
    client = api.client
    sup, other, officer = (
        _headers(api, "sup-kdl"),
        _headers(api, "sup-qs"),
        _headers(api, "off-kdl"),
    )

    mine = client.get("/api/v1/staff/cases", params={"state": "open"}, headers=sup)
    assert mine.status_code == 200, mine.text
    listed = {c["subject_id"]: c for c in mine.json()["cases"]}
    assert ids["seller"] in listed
    case_id = listed[ids["seller"]]["id"]
    many = client.get(
        "/api/v1/staff/cases", params={"pattern": "points.many_owners"}, headers=sup
    ).json()["cases"]
    assert {c["pattern"] for c in many} == {"points.many_owners"}
    assert client.get("/api/v1/staff/cases", headers=other).json()["cases"] == []
    assert client.get(f"/api/v1/staff/cases/{case_id}", headers=other).status_code == 403
    assert client.get("/api/v1/staff/cases", headers=officer).status_code == 403
    assert client.get(f"/api/v1/staff/cases/{uuid.uuid4()}", headers=sup).status_code == 404
    one = client.get(f"/api/v1/staff/cases/{case_id}", headers=sup)
    assert one.status_code == 200 and one.json()["reasons"][0]["numbers"]["owners"] == 3

    path = f"/api/v1/staff/cases/{case_id}/verdict"
    refused = client.post(path, json={"verdict": "false_alarm", "note": "  "}, headers=sup)
    assert refused.status_code == 422 and refused.json()["error"] == "detection.note_required"
    outside = client.post(path, json={"verdict": "false_alarm", "note": "亲属"}, headers=other)
    assert outside.status_code == 403
    body = {"verdict": "false_alarm", "note": "经核实三辆车均为其单位公车，本人驾驶"}
    done = client.post(path, json=body, headers=sup)
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "false_alarm" and done.json()["verdict_note"] == body["note"]
    VerdictAnswer.model_validate(done.json())
    again = client.post(path, json=body, headers=sup)  # the same key: the same answer
    assert again.status_code == 200 and again.json() == done.json()
    twice = client.post(path, json={"verdict": "confirmed"}, headers=_headers(api, "sup-kdl"))
    assert twice.status_code == 409
    with api.ctx.uow() as uow:
        entries = list(
            uow.session.execute(
                select(AuditEntry).where(AuditEntry.action == "detection_case.verdict")
            ).scalars()
        )
        sup_id = uow.session.execute(
            select(StaffAccount.id).where(StaffAccount.username == "sup-kdl")
        ).scalar_one()
    assert len(entries) == 1
    assert entries[0].subject_id == case_id and entries[0].actor_id == str(sup_id)
    assert entries[0].data["verdict"] == "false_alarm"
    assert str(entries[0].id) == done.json()["ledger_entry"]

    # the same evidence again: the false alarm stays closed, its label kept
    counts = _run(api)
    assert counts["points.many_owners"].get("reopened", 0) == 0
    with api.ctx.uow() as uow:
        case = uow.session.get(DetectionCase, uuid.UUID(case_id))
        assert case is not None and case.state == CaseState.FALSE_ALARM
        assert case.verdict_by == sup_id

    # a new decision for a fourth owner is new evidence: reopened, audited
    with api.ctx.uow() as uow:
        seller = uow.session.get(Citizen, ids["seller_obj_id"])
        booth = uow.session.get(Booth, ids["b1"])
        assert seller is not None and booth is not None
        car = builders.vehicle(uow, _person(uow, "新车主"), "蒙BM0099")
        _take(uow, seller, car, api.clock.today(), 3, booth)
    counts = _run(api)
    assert counts["points.many_owners"]["reopened"] == 1
    with api.ctx.uow() as uow:
        case = uow.session.get(DetectionCase, uuid.UUID(case_id))
        assert case is not None and case.state == CaseState.OPEN and case.verdict_by is None
        assert case.reasons[0]["numbers"]["owners"] == 4
        reopened = uow.session.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "detection_case.reopened")
        ).scalar_one()
    assert reopened == 1


def test_a_booth_far_from_its_peers_on_refusals_is_an_outlier(api: Api) -> None:
    today = api.clock.today()
    with api.ctx.uow() as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        unit = builders.org_unit(uow, "KDL", top)
        person = _person(uow, "办事人")
        for b in range(7):
            booth = builders.booth(uow, unit, f"BT-KDL-{b + 1:03d}")
            refused = 10 if b == 6 else 1
            for i in range(20):
                state = "refused" if i < refused else "completed"
                _application(uow, person, booth, _at(today, 1 + i % 5, 10), state)
    _run(api)
    cases = [c for c in _cases(api) if c.pattern == "operations.outlier"]
    assert [c.subject_id for c in cases] == ["BT-KDL-007"]
    numbers = cases[0].reasons[0]["numbers"]
    assert numbers["metric"] == "refusals" and numbers["rate_per_100"] == 50.0
    assert numbers["peer_median_per_100"] == 5.0 and numbers["z"] >= 3.5
    assert len(cases[0].evidence["applications"]) == 10
    assert cases[0].unit_path == "/BT/KDL/"


def test_the_detect_command_prints_the_counts_per_pattern(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plant(api)
    monkeypatch.setenv("GANGTING_DATABASE_URL", api.ctx.settings.database_url)
    result = CliRunner().invoke(cli_app, ["detect"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split()[1:] for line in result.output.splitlines()[1:]}
    assert lines["points.many_owners"][:2] == ["5", "5"]  # found, new
    assert lines["operations.outlier"][:2] == ["0", "0"]
    assert len(_cases(api)) == sum(int(v[0]) for v in lines.values())


def test_failed_then_passed_face_checks_and_rejected_approvals_are_outlier_rates(
    api: Api,
) -> None:
    """A booth whose faces often fail and then pass, and a supervisor who rejects many
    two-key requests, stand out from their peers (operations.outlier)."""
    today = api.clock.today()
    with api.ctx.uow() as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        unit = builders.org_unit(uow, "KDL", top)
        people = [_person(uow, f"办事人{i}") for i in range(6)]
        sups = []
        for b in range(7):
            booth = builders.booth(uow, unit, f"BT-KDL-{b + 1:03d}")
            actor = Actor("booth", booth.id, booth.code)
            for i in range(20):
                _application(uow, people[0], booth, _at(today, 1 + i % 5, 10))
            for person in people[: 5 if b == 6 else 1]:
                audit.record(uow, actor, "identity.check_refused", "citizen", person.id)
                audit.record(uow, actor, "identity.verified", "citizen", person.id)
            sup = builders.staff(uow, unit, f"sup{b}", role="supervisor")
            sups.append(str(sup.id))
            staff_actor = Actor("staff", sup.id, sup.username, role="supervisor")
            for _ in range(20):
                audit.record(uow, staff_actor, "citizen.lookup", "citizen", people[1].id)
            for _ in range(6 if b == 3 else 0):
                audit.record(uow, staff_actor, "approval.rejected", "approval", uuid.uuid4())
    _run(api)
    cases = {c.subject_id: c for c in _cases(api) if c.pattern == "operations.outlier"}
    assert set(cases) == {"BT-KDL-007", sups[3]}
    booth = cases["BT-KDL-007"].reasons[0]
    assert booth["code"] == "operations.outlier.failed_then_passed"
    assert booth["numbers"]["events"] == 5 and booth["numbers"]["rate_per_100"] == 25.0
    assert "人脸核验先失败后通过" in booth["message"]
    staff = cases[sups[3]].reasons[0]
    assert staff["code"] == "operations.outlier.refused_approvals"
    assert staff["numbers"]["events"] == 6 and "驳回双人审批" in staff["message"]
