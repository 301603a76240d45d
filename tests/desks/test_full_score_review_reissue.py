"""Issue 14 §2 at the booth: full-score clearance (记分办法 第23条), the driver review (审验,
驾驶证规定 第72–73条) and its ability test, the inspection-mark reissue (登记规定 第57条), and
the rules now wired into services: learner full score (第80条), holder age (第14条/第65条),
the 70+ certificate lapse (第79条(九)), and the study deduction's 第26条 facts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

import pytest
from pydantic import BaseModel
from sqlalchemy import select

from gangting.desks.schemas import (
    CognitiveTestAnswer,
    DriverReviewAnswer,
    FullScoreClearanceAnswer,
    MarkReissueAnswer,
)
from gangting.detection.models import DetectionCase
from gangting.fines.models import PenaltyDecision
from gangting.fines.rules import DecisionState
from gangting.integrations.cognitive_test import CognitiveTestResult, FakeCognitiveTestDevice
from gangting.integrations.learning import EducationRecord, StudyCompletion
from gangting.licences.models import AccidentRecord, DriverReview, DrivingLicence
from gangting.points.models import FullScoreRecord, PointEntry
from gangting.vehicles.models import InspectionMark, Vehicle
from tests import builders
from tests.desks.conftest import Api, Booth

CERT = {
    "certificate_no": "TJ2026119901",
    "institution": "包头市中心医院",
    "issued_on": "2026-11-20",
}


@pytest.fixture(autouse=True)
def _booths_and_staff(world: dict[str, Any]) -> dict[str, Any]:
    """Every test here needs the detachment, its booth and staff (the ``world``)."""
    return world


def _booth_for(api: Api, id_number: str) -> Booth:
    b = Booth(api, api.login_booth())
    assert b.verify(id_number).status_code == 200
    return b


def _described(r: Any, model: type[BaseModel]) -> dict[str, Any]:
    """The answer, read back through its route's response model without a change."""
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert model.model_validate(body).model_dump(mode="json", exclude_unset=True) == body
    return body


def _codes(r: Any) -> list[str]:
    return [x["code"] for x in r.json()["data"]["reasons"]]


# --- full score: study, exams, fines paid -> points cleared, licence returned --------------


def _full_score_driver(api: Api, plate: str = "蒙B60001") -> tuple[str, list[str]]:
    with api.ctx.uow() as uow:
        person = builders.citizen(uow, name="孙强")
        car = builders.vehicle(uow, person, plate)
        refs = [builders.violation(uow, car, "1625", days_ago=d).ref for d in (30, 20)]
    return person.id_number, refs


def _study_week(api: Api, id_number: str, start: date) -> None:
    """The 第18–19条 example: 2 on-site days, 3 online days, 2 self-study days; theory passed."""
    ways = ["onsite", "onsite", "online", "online", "online", "self", "self"]
    for i, way in enumerate(ways):
        api.learning.add_education(
            EducationRecord(
                f"MF-{id_number[-4:]}-{i}",
                id_number,
                "full_score_study",
                start + timedelta(days=i),
                minutes=200,
                way=way,
            )
        )
    api.learning.add_education(
        EducationRecord(
            f"KS-{id_number[-4:]}",
            id_number,
            "full_score_exam",
            start + timedelta(days=8),
            exam="theory",
            passed=True,
        )
    )


def test_full_score_is_cleared_and_the_licence_returned_exactly_once(api: Api) -> None:
    person, refs = _full_score_driver(api)
    b = _booth_for(api, person)
    r = b.post("/api/v1/violations/process", {"violation_refs": refs})
    assert r.status_code == 200, r.text
    assert r.json()["learner_class_cancelled"] is False
    with api.ctx.uow() as uow:
        record = uow.session.execute(select(FullScoreRecord)).scalar_one()
        assert (record.sequence, record.study_days, record.exams, record.state) == (
            1,
            7,
            "theory",
            "open",
        )
    # nothing studied, fines unpaid: every missing condition, in words, with 第23条
    r = b.post("/api/v1/points/full-score/clearance", {})
    assert r.status_code == 409, r.text
    assert set(_codes(r)) == {
        "points.full_score_onsite_short",
        "points.full_score_onsite_online_short",
        "points.full_score_study_short",
        "points.full_score_exam_missing",
        "points.full_score_fines_unpaid",
    }
    assert r.json()["data"]["receipt_no"]  # the refusal is filed as an application
    _study_week(api, person, date(2026, 11, 27))
    api.clock.advance(timedelta(days=10))
    with api.ctx.uow() as uow:
        for d in uow.session.execute(select(PenaltyDecision)).scalars():
            d.state, d.paid_on = DecisionState.PAID, date(2026, 12, 5)
    b = _booth_for(api, person)
    r = b.post("/api/v1/points/full-score/clearance", {}, key="clear-1")
    body = _described(r, FullScoreClearanceAnswer)
    assert body["points_cleared"] == 12
    assert body["points_this_cycle"] == 0
    assert body["licence_returned"] is True
    assert body["licence"]["status"] == "valid"
    assert body["service_item"] == "full_score_clearance"
    assert any("第23条" in x for x in body["legal_basis"])
    replay = b.post("/api/v1/points/full-score/clearance", {}, key="clear-1")
    assert replay.json()["receipt_no"] == body["receipt_no"]
    again = b.post("/api/v1/points/full-score/clearance", {})
    assert again.status_code == 409
    assert again.json()["error"] == "points.no_open_full_score"
    assert b.get("/api/v1/me/licence").json()["points"]["total"] == 0
    with api.ctx.uow() as uow:
        lines = uow.session.execute(
            select(PointEntry).where(PointEntry.source_kind == "clearance")
        ).scalars()
        assert [e.points for e in lines] == [-12]
        record = uow.session.execute(select(FullScoreRecord)).scalar_one()
        assert record.state == "cleared" and record.clearance_receipt_no == body["receipt_no"]


def test_second_full_score_after_clearance_asks_the_road_skill_exam(api: Api) -> None:
    """第22条: the second 满分 in the cycle adds 道路驾驶技能 (科目三)."""
    person, refs = _full_score_driver(api, "蒙B60002")
    b = _booth_for(api, person)
    assert b.post("/api/v1/violations/process", {"violation_refs": refs}).status_code == 200
    _study_week(api, person, date(2026, 11, 27))
    api.clock.advance(timedelta(days=10))
    with api.ctx.uow() as uow:
        for d in uow.session.execute(select(PenaltyDecision)).scalars():
            d.state, d.paid_on = DecisionState.PAID, date(2026, 12, 5)
        car = uow.session.execute(
            select(Vehicle).where(Vehicle.plate_no == "蒙B60002")
        ).scalar_one()
        more = [
            builders.violation(uow, car, "1625", now=api.clock.now(), days_ago=1).ref
            for _ in range(2)
        ]
    b = _booth_for(api, person)
    assert b.post("/api/v1/points/full-score/clearance", {}).status_code == 200
    r = b.post("/api/v1/violations/process", {"violation_refs": more})
    assert r.status_code == 200, r.text
    assert r.json()["full_score"]["exams"] == ["theory", "road_skill"]
    assert r.json()["full_score"]["study_days"] == 14


def test_no_open_full_score_is_refused(api: Api, booth: Booth) -> None:
    r = booth.post("/api/v1/points/full-score/clearance", {})
    assert r.status_code == 409
    assert r.json()["error"] == "points.no_open_full_score"
    assert "满分" in r.json()["message"]


# --- learner period full score (驾驶证规定 第80条) ----------------------------------------------


def test_twelve_points_in_the_learner_period_cancel_the_learner_class(api: Api) -> None:
    with api.ctx.uow() as uow:
        person = builders.citizen(
            uow,
            name="郑新",
            first_issued_on=date(2026, 5, 1),
            learner_until=date(2027, 4, 30),
            validity="six_years",
            valid_from=date(2026, 5, 1),
            expires_on=date(2032, 5, 1),
        )
        car = builders.vehicle(uow, person, "蒙B60003")
        refs = [builders.violation(uow, car, "1625", days_ago=d).ref for d in (30, 20)]
    b = _booth_for(api, person.id_number)
    preview = b.post("/api/v1/violations/preview", {"violation_refs": refs})
    assert preview.status_code == 200, preview.text
    assert preview.json()["learner_class_cancelled"] is True
    r = b.post("/api/v1/violations/process", {"violation_refs": refs})
    assert r.status_code == 200, r.text
    assert r.json()["learner_class_cancelled"] is True
    assert r.json()["full_score"] is None
    assert any("第80条" in x for x in r.json()["legal_basis"])
    assert b.get("/api/v1/me/licence").json()["licence"]["status"] == "cancelled"
    with api.ctx.uow() as uow:
        assert uow.session.execute(select(FullScoreRecord)).first() is None


# --- driver review (审验) ---------------------------------------------------------------------


def _b2_driver_with_points_last_cycle(api: Api) -> str:
    with api.ctx.uow() as uow:
        person = builders.citizen(uow, name="冯涛", classes="B2")
        car = builders.vehicle(uow, person, "蒙B60004")
        d = builders.overdue_decision(
            uow, person, car, date(2010, 3, 15), decided_on=date(2025, 6, 1), points=3
        )
        d.state, d.paid_on = DecisionState.PAID, date(2025, 6, 10)
    return person.id_number


def test_large_class_review_needs_three_hours_study_then_is_done_once(api: Api) -> None:
    person = _b2_driver_with_points_last_cycle(api)
    b = _booth_for(api, person)
    r = b.post("/api/v1/licences/review", {})
    assert r.status_code == 409, r.text
    assert _codes(r)[-1] == "licences.review_study_short"
    api.learning.add_education(
        EducationRecord("SY-0001", person, "review_study", date(2026, 11, 25), minutes=190)
    )
    body = _described(b.post("/api/v1/licences/review", {}), DriverReviewAnswer)
    assert body["cycle"] == {"start": "2025-03-15", "end": "2026-03-14"}
    assert body["due_by"] == "2026-04-13"
    assert body["study_minutes"] == 190
    codes = [x["code"] for x in body["reasons"]]
    assert "licences.review_large_class" in codes and "licences.review_late" in codes
    again = b.post("/api/v1/licences/review", {})
    assert again.status_code == 409
    assert again.json()["error"] == "licences.review_already_done"
    with api.ctx.uow() as uow:
        assert (
            uow.session.execute(select(DriverReview)).scalar_one().receipt_no == body["receipt_no"]
        )


def test_a_driver_with_no_review_due_is_told_why(api: Api, booth: Booth) -> None:
    r = booth.post("/api/v1/licences/review", {})
    assert r.status_code == 409
    assert r.json()["error"] == "licences.review_not_required"


def test_overdue_review_refuses_study_deduction_until_done(api: Api) -> None:
    """记分办法 第26条(三): 驾驶证逾期未审验 — not accepted."""
    person = _b2_driver_with_points_last_cycle(api)
    api.learning.add_completion(
        StudyCompletion("XF9001", person, "online", 40, True, date(2026, 11, 25))
    )
    b = _booth_for(api, person)
    r = b.post("/api/v1/points/study-deduction", {"study_ref": "XF9001"})
    assert r.status_code == 409
    assert "points.deduction_review_overdue" in _codes(r)
    api.learning.add_education(
        EducationRecord("SY-0002", person, "review_study", date(2026, 11, 25), minutes=200)
    )
    assert b.post("/api/v1/licences/review", {}).status_code == 200
    r = b.post("/api/v1/points/study-deduction", {"study_ref": "XF9001"})
    assert "points.deduction_review_overdue" not in _codes(r)


def _seventy_with_accident(api: Api) -> str:
    with api.ctx.uow() as uow:
        person = builders.citizen(uow, name="陈老", birth=date(1953, 1, 5))
        uow.session.add(
            AccidentRecord(
                citizen_id=person.id,
                accident_no="SG2025080001",
                occurred_on=date(2025, 8, 1),
                deaths=0,
                serious_injuries=1,
                liability="minor",
                processed=True,
            )
        )
    return person.id_number


def test_seventy_plus_review_needs_the_ability_test_from_the_device(api: Api) -> None:
    person = _seventy_with_accident(api)
    b = _booth_for(api, person)
    assert b.post("/api/v1/licences/health-certificate", CERT).status_code == 200
    r = b.post("/api/v1/licences/review", {})
    assert r.status_code == 409, r.text
    assert _codes(r) == ["licences.review_cognitive_test_missing"]
    device = cast(FakeCognitiveTestDevice, api.ctx.cognitive_tests)
    device.add_result(CognitiveTestResult("SL-0001", person, date(2026, 11, 25), True, True, True))
    r = b.post("/api/v1/licences/cognitive-test", {"test_ref": "SL-0001"})
    test = _described(r, CognitiveTestAnswer)
    assert (test["passed"], test["source"]) == (True, "device")
    again = b.post("/api/v1/licences/cognitive-test", {"test_ref": "SL-0001"})
    assert again.json()["error"] == "licences.cognitive_test_already_recorded"
    missing = b.post("/api/v1/licences/cognitive-test", {"test_ref": "SL-9999"})
    assert (missing.status_code, missing.json()["error"]) == (
        404,
        "licences.cognitive_test_not_found",
    )
    r = b.post("/api/v1/licences/review", {})
    assert r.status_code == 200, r.text
    assert r.json()["cognitive_test_ref"] == "SL-0001"


def test_an_operator_records_a_failed_ability_test(api: Api, world: dict[str, Any]) -> None:
    person = _seventy_with_accident(api)
    headers = {"Authorization": f"Bearer {api.login_staff('off-kdl')}", "Idempotency-Key": "op-1"}
    body = {
        "id_number": person,
        "test_ref": "SL-P-0001",
        "taken_on": "2026-11-24",
        "memory_passed": True,
        "judgement_passed": False,
        "reaction_passed": True,
    }
    r = api.client.post("/api/v1/staff/cognitive-tests", json=body, headers=headers)
    assert r.status_code == 200, r.text
    assert (r.json()["passed"], r.json()["source"]) == (False, "operator")
    b = _booth_for(api, person)
    assert b.post("/api/v1/licences/health-certificate", CERT).status_code == 200
    r = b.post("/api/v1/licences/review", {})
    assert _codes(r) == ["licences.review_cognitive_test_failed"]
    unknown = {**body, "id_number": "150203199001011234", "test_ref": "SL-P-0002"}
    headers["Idempotency-Key"] = "op-2"
    r = api.client.post("/api/v1/staff/cognitive-tests", json=unknown, headers=headers)
    assert (r.status_code, r.json()["error"]) == (404, "citizens.not_found")


# --- inspection mark reissue (登记规定 第57条) --------------------------------------------------


def test_lost_mark_is_reissued_at_once_and_replaces_the_last(api: Api, booth: Booth) -> None:
    r = booth.post("/api/v1/vehicles/inspection-mark/reissue", {"plate": "蒙B·12345"})
    first = _described(r, MarkReissueAnswer)["mark"]
    assert (first["valid_until"], first["replaces"], first["reissue_reason"]) == (
        "2026-11",
        None,
        "lost",
    )
    assert any("第57条" in x for x in r.json()["legal_basis"])
    r = booth.post(
        "/api/v1/vehicles/inspection-mark/reissue", {"plate": "蒙B12345", "reason": "damaged"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["mark"]["replaces"] == first["mark_no"]
    with api.ctx.uow() as uow:
        assert len(list(uow.session.execute(select(InspectionMark)).scalars())) == 2


def test_mark_reissue_refused_without_compulsory_insurance(api: Api, booth: Booth) -> None:
    with api.ctx.uow() as uow:
        uow.session.execute(select(Vehicle)).scalar_one().compulsory_insurance_until = date(
            2026, 11, 1
        )
    r = booth.post("/api/v1/vehicles/inspection-mark/reissue", {"plate": "蒙B12345"})
    assert r.status_code == 409
    assert r.json()["error"] == "vehicles.insurance_invalid"
    assert "交强险" in r.json()["message"]
    bad = booth.post(
        "/api/v1/vehicles/inspection-mark/reissue", {"plate": "蒙B12345", "reason": "stolen"}
    )
    assert bad.status_code == 422


# --- study deduction: the real 第26条 facts ----------------------------------------------------


def _deduction_codes(api: Api, booth: Booth, world: dict[str, Any], ref: str) -> list[str]:
    api.learning.add_completion(
        StudyCompletion(ref, world["driver"], "online", 40, True, date(2026, 11, 25))
    )
    r = booth.post("/api/v1/points/study-deduction", {"study_ref": ref})
    return _codes(r) if r.status_code == 409 else []


def _case(api: Api, world: dict[str, Any], state: str) -> None:
    now = api.clock.now()
    with api.ctx.uow() as uow:
        uow.session.add(
            DetectionCase(
                pattern="points.many_owners",
                subject_kind="citizen",
                subject_id=str(world["driver_id"]),
                subject_label="王*国",
                unit_path="/",
                score=1.5,
                reasons=[],
                evidence={},
                state=state,
                first_seen_at=now,
                last_seen_at=now,
            )
        )


def test_study_deduction_refused_while_a_point_trading_case_names_the_driver(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    assert "points.deduction_fraud" not in _deduction_codes(api, booth, world, "XF7001")
    _case(api, world, "open")
    assert "points.deduction_fraud" in _deduction_codes(api, booth, world, "XF7002")


def test_a_false_alarm_case_does_not_refuse_the_deduction(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    _case(api, world, "false_alarm")
    assert _deduction_codes(api, booth, world, "XF7003") == []


def test_study_deduction_refused_with_a_scrapped_vehicle_not_deregistered(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    with api.ctx.uow() as uow:
        owner = uow.session.execute(
            select(DrivingLicence).where(DrivingLicence.licence_no == world["driver"])
        ).scalar_one()
        old = Vehicle(
            plate_no="蒙B0OLD1",
            kind="small_passenger",
            use="non_operating",
            seats=5,
            registered_on=date(2008, 1, 1),
            owner_id=owner.citizen_id,
            compulsory_insurance_until=date(2027, 1, 1),
            inspection_valid_until=date(2027, 1, 31),
            status="scrapped",
        )
        uow.session.add(old)
    codes = _deduction_codes(api, booth, world, "XF7004")
    assert "points.deduction_vehicle_not_deregistered" in codes


# --- renewal: holder's age; 70+ certificate lapse -----------------------------------------


def test_renewal_refused_for_a_class_past_its_age_limit(api: Api, world: dict[str, Any]) -> None:
    """172号令: B2 up to 63. Born 1962-01-01: 64 on 2026-11-26."""
    with api.ctx.uow() as uow:
        person = builders.citizen(
            uow,
            name="褚建",
            birth=date(1962, 1, 1),
            classes="B2",
            expires_on=date(2026, 12, 20),
            valid_from=date(2016, 12, 20),
        ).id_number
    r = _booth_for(api, person).post("/api/v1/licences/renewal", {"health_certificate": CERT})
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "licences.class_over_age"
    assert any("第65条" in x for x in r.json()["data"]["legal_basis"])


def test_seventy_plus_without_certificate_a_year_is_due_for_cancellation(
    api: Api, world: dict[str, Any]
) -> None:
    """第79条(九); a certificate submitted later restores it (第79条第4款)."""
    with api.ctx.uow() as uow:
        person = builders.citizen(
            uow,
            name="卫国",
            birth=date(1950, 1, 5),
            first_issued_on=date(1990, 8, 1),
            validity="long_term",
            expires_on=None,
            valid_from=date(2010, 8, 1),
        ).id_number
    b = _booth_for(api, person)
    view = b.get("/api/v1/me/licence").json()["licence"]
    assert view["effective_status"] == "health_cancellation_due"
    assert "注销" in view["effective_status_text"]
    r = b.post("/api/v1/licences/replacement", {"reason": "lost"})
    assert r.status_code == 409
    assert r.json()["error"] == "licences.health_certificate_lapsed"
    assert b.post("/api/v1/licences/health-certificate", CERT).status_code == 200
    assert b.get("/api/v1/me/licence").json()["licence"]["effective_status"] == "valid"
    assert b.post("/api/v1/licences/replacement", {"reason": "lost"}).status_code == 200
