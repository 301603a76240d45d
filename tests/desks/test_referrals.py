"""转办 and 异议 through the API (SQLite and PostgreSQL): the booth refers what it cannot finish
(its visit counts as referred), the responsible unit accepts, asks for more, finishes or
declines, the citizen supplies at a booth; every step is audited, idempotent and texted to
the citizen. An objection to a camera record (处理程序规定 第5条第3款) goes to the unit of the
place with 5 working days; the act cannot be processed meanwhile; upheld erases it, rejected
lets it be processed. Overdue referrals raise exactly one alert each."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

import pytest
from sqlalchemy import func, select

from gangting.alerts.models import Alert
from gangting.alerts.rules import AlertState
from gangting.applications.models import Application
from gangting.audit.models import AuditEntry
from gangting.audit.verify import verify
from gangting.desks.referral_sweep import alert_overdue_referrals
from gangting.integrations.notifications import FakeNotifier
from gangting.kernel.clock import CITY_ZONE
from gangting.referrals.models import Referral, ReferralStep
from gangting.staff.models import OrgUnit
from gangting.violations.models import Violation
from gangting.visits.models import ServiceVisit
from tests.approvals.helpers import add_supervisor
from tests.desks.conftest import Api, Booth

REFER = "/api/v1/referrals"
OBJECT = "/api/v1/objections"
STAFF = "/api/v1/staff/referrals"
PHONE = "13847212345"  # tests.builders.citizen
QS_PLACE = "青山区幸福路与钢铁大街交叉口"


def staff_post(
    api: Api, username: str, path: str, body: dict[str, Any], key: str | None = None
) -> Any:
    headers = {
        "Authorization": f"Bearer {api.login_staff(username)}",
        "Idempotency-Key": key or uuid.uuid4().hex,
    }
    return api.client.post(path, json=body, headers=headers)


def staff_get(api: Api, username: str, path: str, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {api.login_staff(username)}"}
    return api.client.get(path, params=params, headers=headers)


def texts(api: Api) -> list[str]:
    return [m.text for m in cast(FakeNotifier, api.ctx.notifier).messages(PHONE)]


def count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def refer(booth: Booth, key: str | None = None, **body: Any) -> Any:
    payload: dict[str, Any] = {
        "service_item": "replacement",
        "reason": "照相设备无法采集符合要求的照片，需到大队窗口办理",
        "evidence_refs": ["EV-PHOTO-1"],
        "documents": ["ID-COPY-1"],
        "data": {"licence_no": "masked"},
    }
    payload.update(body)
    return booth.post(REFER, payload, key=key)


def move_to(api: Api, day: str) -> None:
    api.clock.set(datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=CITY_ZONE))


@pytest.fixture
def qs_place(api: Api, world: dict[str, Any]) -> str:
    """Violation v1 recorded at a 青山区 site; the QS brigade named as the seed names it."""
    add_supervisor(api, "sup-qs", "QS")
    with api.ctx.uow() as uow:
        unit = uow.session.execute(select(OrgUnit).where(OrgUnit.code == "QS")).scalar_one()
        unit.name = "包头市公安局交通管理支队青山区大队"
        v = uow.session.execute(select(Violation).where(Violation.ref == world["v1"])).scalar_one()
        v.place = QS_PLACE
    return str(world["v1"])


def test_a_referral_goes_to_the_booths_brigade_with_its_materials_and_a_referred_visit(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    key = uuid.uuid4().hex
    r = refer(booth, key=key)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["state"], body["service_item"]) == ("pending", "replacement")
    referral = body["referral"]
    assert (referral["state"], referral["unit_code"], referral["kind"]) == (
        "referred",
        "KDL",
        "referral",
    )
    # Thu 26 Nov + 5 working days (GANGTING_REFERRAL_WORKING_DAYS default)
    assert referral["due_on"] == "2026-12-03"
    assert referral["materials"] == {
        "evidence_refs": ["EV-PHOTO-1"],
        "documents": ["ID-COPY-1"],
        "data": {"licence_no": "masked"},
    }
    assert [x["code"] for x in body["reasons"]] == ["referrals.referred"]
    no = referral["referral_no"]
    # the visit counts as referred, for the matter of the service item
    with api.ctx.uow() as uow:
        visit = uow.session.execute(select(ServiceVisit)).scalar_one()
        assert (visit.outcome, visit.service_item) == ("referred", "replacement")
    assert len(texts(api)) == 1 and no in texts(api)[0] and "2026-12-03" in texts(api)[0]
    # the same key replays the answer: no second referral, visit or text
    again = refer(booth, key=key)
    assert again.status_code == 201 and again.json()["referral"]["referral_no"] == no
    assert count(api, Referral) == 1 and count(api, ServiceVisit) == 1
    assert len(texts(api)) == 1
    # the citizen reads it at the booth
    mine = booth.get(f"{REFER}/{no}")
    assert mine.status_code == 200 and mine.json()["steps"][0]["by"] is None


def test_the_unit_accepts_asks_for_more_the_citizen_supplies_and_the_unit_finishes(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    no = refer(booth).json()["referral"]["referral_no"]
    accepted = staff_post(api, "off-kdl", f"{STAFF}/{no}/accept", {})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted"
    # Mon 30 Nov: the unit asks for more; a blank note is refused in words
    move_to(api, "2026-11-30")
    blank = staff_post(api, "off-kdl", f"{STAFF}/{no}/request-more", {"note": " "})
    assert blank.status_code == 422 and blank.json()["error"] == "referrals.note_required"
    asked = staff_post(api, "off-kdl", f"{STAFF}/{no}/request-more", {"note": "请补充近期免冠照片"})
    assert asked.status_code == 200 and asked.json()["state"] == "more_requested"
    # the unit cannot finish while it waits for the citizen
    early = staff_post(api, "off-kdl", f"{STAFF}/{no}/finish", {"note": "已办结"})
    assert early.status_code == 409 and early.json()["error"] == "referrals.step_refused"
    # Wed 2 Dec the citizen supplies at a booth: 2 working days waited, due Thu 3 -> Mon 7
    move_to(api, "2026-12-02")
    booth.token, booth.identity = api.login_booth(), None
    assert booth.verify(world["driver"]).status_code == 200
    supplied = booth.post(
        f"{REFER}/{no}/supplements", {"note": "已拍照", "evidence_refs": ["EV-PHOTO-2"]}
    )
    assert supplied.status_code == 200, supplied.text
    view = supplied.json()
    assert (view["state"], view["due_on"]) == ("accepted", "2026-12-07")
    assert view["materials"]["evidence_refs"] == ["EV-PHOTO-1", "EV-PHOTO-2"]
    done = staff_post(api, "off-kdl", f"{STAFF}/{no}/finish", {"note": "新驾驶证已邮寄"})
    assert done.status_code == 200 and done.json()["state"] == "finished"
    assert [s["step"] for s in done.json()["steps"]] == [
        "refer",
        "accept",
        "request_more",
        "supply",
        "finish",
    ]
    with api.ctx.uow() as uow:
        app = uow.session.execute(
            select(Application).where(Application.service_item == "replacement")
        ).scalar_one()
        assert app.state == "completed"
    with api.ctx.uow() as uow:
        actions = set(
            uow.session.execute(
                select(AuditEntry.action).where(AuditEntry.subject_kind == "referral")
            ).scalars()
        )
    assert actions == {
        "referral.referred",
        "referral.accept",
        "referral.request_more",
        "referral.supply",
        "referral.finish",
    }
    sent = texts(api)
    assert len(sent) == 5 and "免冠照片" in sent[2] and "新驾驶证已邮寄" in sent[4]
    with api.ctx.uow() as uow:
        assert verify(uow.session).ok


def test_a_replayed_staff_step_is_answered_once_and_a_closed_referral_takes_no_step(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    no = refer(booth).json()["referral"]["referral_no"]
    key = uuid.uuid4().hex
    first = staff_post(api, "off-kdl", f"{STAFF}/{no}/decline", {"note": "不属本单位职责"}, key)
    second = staff_post(api, "off-kdl", f"{STAFF}/{no}/decline", {"note": "不属本单位职责"}, key)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert count(api, ReferralStep) == 2 and len(texts(api)) == 2
    again = staff_post(api, "off-kdl", f"{STAFF}/{no}/accept", {})
    assert again.status_code == 409 and "不予受理" in again.json()["message"]
    with api.ctx.uow() as uow:
        assert uow.session.execute(select(Application.state)).scalar_one() == "refused"


def test_only_the_responsible_units_staff_see_and_move_a_referral(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    no = refer(booth).json()["referral"]["referral_no"]
    assert staff_get(api, "off-qs", f"{STAFF}/{no}").status_code == 403
    assert staff_post(api, "off-qs", f"{STAFF}/{no}/accept", {}).status_code == 403
    assert staff_get(api, "off-qs", STAFF).json() == {"referrals": []}
    listed = staff_get(api, "off-kdl", STAFF, state="referred").json()["referrals"]
    assert [x["referral_no"] for x in listed] == [no]
    assert listed[0]["citizen"] is not None and "*" in listed[0]["citizen"]
    assert staff_get(api, "admin", f"{STAFF}/{no}").status_code == 200
    # another booth's citizen session cannot read it by number
    assert booth.get(f"{REFER}/ZB-NONE").status_code == 404


def test_bad_referrals_are_refused_in_words(api: Api, booth: Booth, world: dict[str, Any]) -> None:
    unknown = refer(booth, service_item="fly_a_plane")
    assert unknown.status_code == 422
    assert unknown.json()["error"] == "referrals.service_item_unknown"
    no_unit = refer(booth, unit_code="NOPE")
    assert no_unit.status_code == 422 and no_unit.json()["error"] == "referrals.unit_unknown"
    no_reason = refer(booth, reason=" ")
    assert no_reason.status_code == 422 and no_reason.json()["error"] == "referrals.reason_required"
    assert count(api, Referral) == 0


def test_an_objection_goes_to_the_unit_of_the_place_and_blocks_processing_until_rejected(
    api: Api, booth: Booth, world: dict[str, Any], qs_place: str
) -> None:
    r = booth.post(
        OBJECT,
        {
            "violation_ref": qs_place,
            "statement": "当日车辆停放在小区内，号牌疑被套用",
            "evidence_refs": ["EV-PARKING-1"],
        },
    )
    assert r.status_code == 201, r.text
    referral = r.json()["referral"]
    assert (referral["kind"], referral["unit_code"], referral["due_on"]) == (
        "objection",
        "QS",
        "2026-12-03",  # 5 working days (第5条第3款, 第81条第2款)
    )
    assert referral["materials"]["documents"] == ["EV-1"]  # the camera's own evidence
    assert referral["materials"]["data"]["place"] == QS_PLACE
    assert any("第5条第3款" in b for b in r.json()["legal_basis"])
    no = referral["referral_no"]
    # processing the act is refused while the objection is open, with the legal basis
    refused = booth.post("/api/v1/violations/process", {"violation_refs": [qs_place]})
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "violations.under_objection"
    assert any("第5条第3款" in b for b in refused.json()["data"]["legal_basis"])
    # a second objection while the first is open is refused
    twice = booth.post(OBJECT, {"violation_ref": qs_place, "statement": "再次提出异议"})
    assert twice.status_code == 409 and twice.json()["error"] == "objections.open"
    # the booth's brigade does not see it; the place's does
    assert staff_get(api, "off-kdl", f"{STAFF}/{no}").status_code == 403
    # an officer may not answer an objection; a supervisor must say upheld or rejected
    officer = staff_post(api, "off-qs", f"{STAFF}/{no}/finish", {"note": "证据清楚"})
    assert officer.status_code == 403
    bare = staff_post(api, "sup-qs", f"{STAFF}/{no}/finish", {"note": "证据清楚"})
    assert bare.status_code == 422 and bare.json()["error"] == "referrals.outcome_required"
    rejected = staff_post(
        api,
        "sup-qs",
        f"{STAFF}/{no}/finish",
        {"note": "照片显示号牌与车型一致", "outcome": "rejected"},
    )
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["outcome"], rejected.json()["outcome_text"]) == (
        "rejected",
        "异议不成立",
    )
    assert "异议不成立" in texts(api)[-1] and "照片显示号牌与车型一致" in texts(api)[-1]
    processed = booth.post("/api/v1/violations/process", {"violation_refs": [qs_place]})
    assert processed.status_code == 200, processed.text


def test_an_upheld_objection_erases_the_violation_with_its_audit_entry(
    api: Api, booth: Booth, world: dict[str, Any], qs_place: str
) -> None:
    no = booth.post(OBJECT, {"violation_ref": qs_place, "statement": "车辆当日在外地维修"}).json()[
        "referral"
    ]["referral_no"]
    upheld = staff_post(
        api, "sup-qs", f"{STAFF}/{no}/finish", {"note": "维修记录属实", "outcome": "upheld"}
    )
    assert upheld.status_code == 200, upheld.text
    with api.ctx.uow() as uow:
        v = uow.session.execute(select(Violation).where(Violation.ref == qs_place)).scalar_one()
        assert v.state == "erased"
    assert count(api, AuditEntry, AuditEntry.action == "violation.erased") == 1
    assert "异议成立" in texts(api)[-1]
    again = booth.post("/api/v1/violations/process", {"violation_refs": [qs_place]})
    assert again.status_code == 409 and again.json()["error"] == "violations.already_processed"
    late = booth.post(OBJECT, {"violation_ref": qs_place, "statement": "再次提出异议"})
    assert late.status_code == 409 and late.json()["error"] == "objections.not_allowed"


def test_an_objection_to_someone_elses_record_is_not_found(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    r = booth.post(OBJECT, {"violation_ref": "WF-NOT-MINE", "statement": "不是我的车"})
    assert r.status_code == 404 and r.json()["error"] == "violations.not_found"
    assert r.json()["data"]["receipt_no"]  # filed as a refused application


def test_a_place_of_no_district_falls_back_to_the_detachment(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    r = booth.post(OBJECT, {"violation_ref": world["v2"], "statement": "标志被树枝遮挡"})
    assert r.status_code == 201, r.text
    assert r.json()["referral"]["unit_code"] == "BT"


def test_an_overdue_referral_raises_exactly_one_alert(
    api: Api, booth: Booth, world: dict[str, Any], qs_place: str
) -> None:
    ref_no = refer(booth).json()["referral"]["referral_no"]
    obj_no = booth.post(OBJECT, {"violation_ref": qs_place, "statement": "号牌被套用"}).json()[
        "referral"
    ]["referral_no"]
    with api.ctx.uow() as uow:
        assert alert_overdue_referrals(uow)["alerted"] == 0  # not due yet
    move_to(api, "2026-12-03")  # the due day: still in time
    with api.ctx.uow() as uow:
        assert alert_overdue_referrals(uow)["alerted"] == 0
    move_to(api, "2026-12-04")
    with api.ctx.uow() as uow:
        result = alert_overdue_referrals(uow)
    assert sorted(result["referrals"]) == sorted([ref_no, obj_no])
    with api.ctx.uow() as uow:
        alerts = list(uow.session.execute(select(Alert).order_by(Alert.severity)).scalars())
        assert {(a.kind, a.subject_kind) for a in alerts} == {("missed_deadline", "referral")}
        assert {a.subject_id for a in alerts} == {ref_no, obj_no}
        codes = {i: c for i, c in uow.session.execute(select(OrgUnit.id, OrgUnit.code))}
        assert {a.subject_id: codes[a.org_unit_id] for a in alerts} == {
            ref_no: "KDL",
            obj_no: "QS",
        }
        for a in alerts:  # closing the alert does not make the sweep raise it again
            a.state, a.closed_at = AlertState.CLOSED, api.clock.now()
    move_to(api, "2026-12-07")
    with api.ctx.uow() as uow:
        assert alert_overdue_referrals(uow)["alerted"] == 0
    assert count(api, Alert) == 2
    listed = staff_get(api, "sup-qs", STAFF, overdue="true").json()["referrals"]
    assert [x["referral_no"] for x in listed] == [obj_no] and listed[0]["overdue"] is True
