"""Renewal, replacement, 70+ health certificate, inspection mark, full score, deductions."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from gangting.integrations.learning import StudyCompletion
from gangting.kernel import law
from gangting.licences.models import DrivingLicence
from gangting.vehicles.models import Vehicle
from tests import builders
from tests.desks.conftest import Api, Booth

CERT = {
    "certificate_no": "TJ2026110001",
    "institution": "包头市中心医院",
    "issued_on": "2026-11-20",
}


def _driver(api: Api, **licence: Any) -> str:
    with api.ctx.uow() as uow:
        return builders.citizen(uow, name="李娜", **licence).id_number


def _booth_for(api: Api, id_number: str) -> Booth:
    b = Booth(api, api.login_booth())
    assert b.verify(id_number).status_code == 200
    return b


def test_renewal_in_the_window_moves_six_years_to_ten(api: Api, world: dict[str, Any]) -> None:
    person = _driver(
        api,
        validity="six_years",
        valid_from=date(2020, 12, 20),
        expires_on=date(2026, 12, 20),
        first_issued_on=date(2020, 12, 20),
    )
    b = _booth_for(api, person)
    r = b.post("/api/v1/licences/renewal", {"health_certificate": CERT})
    assert r.status_code == 200, r.text
    lic = r.json()["licence"]
    assert lic["validity"] == "ten_years"
    assert lic["expires_on"] == "2036-12-20"
    assert "《机动车驾驶证申领和使用规定》(公安部令第162号) 第62条" in r.json()["legal_basis"]


def test_renewal_too_early_is_refused_with_the_opening_date(
    api: Api, world: dict[str, Any]
) -> None:
    person = _driver(api, expires_on=date(2027, 6, 1), valid_from=date(2017, 6, 1))
    r = _booth_for(api, person).post("/api/v1/licences/renewal", {"health_certificate": CERT})
    assert r.status_code == 409
    assert r.json()["error"] == "licences.renewal_too_early"
    assert "2027年03月03日" in r.json()["message"]
    assert law.cite(law.LICENCE, "第63条") in r.json()["data"]["legal_basis"]


def test_renewal_needs_a_health_certificate_under_six_months_old(
    api: Api, world: dict[str, Any]
) -> None:
    person = _driver(api, expires_on=date(2026, 12, 20), valid_from=date(2016, 12, 20))
    old = {**CERT, "issued_on": "2026-04-01"}
    r = _booth_for(api, person).post("/api/v1/licences/renewal", {"health_certificate": old})
    assert r.status_code == 409
    assert r.json()["error"] == "licences.health_certificate_invalid"
    with api.ctx.uow() as uow:
        lic = uow.session.execute(
            select(DrivingLicence).where(DrivingLicence.licence_no == person)
        ).scalar_one()
        assert lic.expires_on == date(2026, 12, 20)  # nothing half-written


def test_replacement_is_refused_while_detained(api: Api, world: dict[str, Any]) -> None:
    person = _driver(api, status="detained")
    r = _booth_for(api, person).post("/api/v1/licences/replacement", {"reason": "lost"})
    assert r.status_code == 409
    assert r.json()["error"] == "licences.replacement_while_detained"
    assert "第69条第3款" in r.json()["data"]["legal_basis"][0]


def test_replacement_voids_the_old_card(api: Api, booth: Booth) -> None:
    r = booth.post("/api/v1/licences/replacement", {"reason": "lost"})
    assert r.status_code == 200
    assert r.json()["licence"]["serial_no"] == 2


def test_driver_over_seventy_submits_the_yearly_certificate(
    api: Api, world: dict[str, Any]
) -> None:
    person = _driver(
        api,
        birth=date(1950, 1, 5),
        first_issued_on=date(1990, 8, 1),
        validity="long_term",
        expires_on=None,
        valid_from=date(2010, 8, 1),
    )
    r = _booth_for(api, person).post("/api/v1/licences/health-certificate", CERT)
    assert r.status_code == 200, r.text
    assert r.json()["cycle_end"] == "2026-07-31"
    assert any(x["code"] == "licences.health_certificate_late" for x in r.json()["reasons"])


def test_inspection_mark_for_an_exempt_car_in_year_four(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    # 蒙B12345 registered 2022-11: year 4 (2026-11) is an exempt year; two violations open.
    r = booth.post("/api/v1/vehicles/inspection-mark", {"plate": "蒙B·12345"})
    assert r.status_code == 409
    assert r.json()["error"] == "vehicles.unprocessed_violations"
    booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"], world["v2"]]})
    r = booth.post("/api/v1/vehicles/inspection-mark", {"plate": "蒙B·12345"})
    assert r.status_code == 200, r.text
    mark = r.json()["mark"]
    assert mark["valid_until"] == "2028-11"
    assert mark["plate"] == "蒙B·12345"
    again = booth.post("/api/v1/vehicles/inspection-mark", {"plate": "蒙B·12345"})
    assert again.status_code == 409  # next window not open yet: no second mark


def test_inspection_mark_refused_without_compulsory_insurance(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    with api.ctx.uow() as uow:
        car = uow.session.execute(select(Vehicle)).scalar_one()
        car.compulsory_insurance_until = date(2026, 11, 1)
    r = booth.post("/api/v1/vehicles/inspection-mark", {"plate": "蒙B12345"})
    assert r.status_code == 409
    codes = [x["code"] for x in r.json()["data"]["reasons"]]
    assert "vehicles.insurance_invalid" in codes and "vehicles.unprocessed_violations" in codes


def test_someone_elses_car_is_forbidden(api: Api, booth: Booth) -> None:
    with api.ctx.uow() as uow:
        other = builders.citizen(uow, name="赵磊")
        builders.vehicle(uow, other, "蒙BD12345")
    r = booth.post("/api/v1/vehicles/inspection-mark", {"plate": "蒙BD12345"})
    assert r.status_code == 403
    assert booth.get("/api/v1/me/vehicles/蒙BD12345").status_code == 403
    assert booth.post("/api/v1/vehicles/inspection-mark", {"plate": "XX123"}).status_code == 422


def test_reaching_twelve_points_detains_the_licence_and_sets_study(
    api: Api, world: dict[str, Any]
) -> None:
    with api.ctx.uow() as uow:
        person = builders.citizen(uow, name="孙强")
        car = builders.vehicle(uow, person, "蒙B54321")
        refs = [builders.violation(uow, car, "1625", days_ago=d).ref for d in (30, 20)]
    b = _booth_for(api, person.id_number)
    r = b.post("/api/v1/violations/process", {"violation_refs": refs})
    assert r.status_code == 200, r.text
    assert r.json()["points_this_cycle"] == 12
    assert r.json()["full_score"] == {
        "study_days": 7,
        "exams": ["theory"],
        "licence_detained": True,
    }
    assert b.get("/api/v1/me/licence").json()["licence"]["status"] == "detained"


def test_other_vehicles_records_are_refused_at_twelve_points(
    api: Api, world: dict[str, Any]
) -> None:
    with api.ctx.uow() as uow:
        person = builders.citizen(uow, name="周敏")
        car = builders.vehicle(uow, person, "蒙B54322")
        own = [builders.violation(uow, car, "1625", days_ago=d).ref for d in (30, 20)]
        friend = builders.citizen(uow, name="吴刚")
        friends_car = builders.vehicle(uow, friend, "蒙B54323")
        other = builders.violation(uow, friends_car, "1344").ref
    b = _booth_for(api, person.id_number)
    r = b.post("/api/v1/violations/process", {"violation_refs": [*own, other]})
    assert r.status_code == 409
    assert r.json()["error"] == "points.other_vehicle_refused"
    assert b.get("/api/v1/me/licence").json()["points"]["total"] == 0  # nothing half-written


def test_study_deduction_takes_points_off_once(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    api.learning.add_completion(
        StudyCompletion(
            ref="XF0001",
            id_number=world["driver"],
            way="onsite",
            minutes=75,
            exam_passed=True,
            completed_on=date(2026, 11, 25),
        )
    )
    r = booth.post("/api/v1/points/study-deduction", {"study_ref": "XF0001"})
    assert r.status_code == 200, r.text
    assert r.json()["points_deducted"] == 2
    assert r.json()["points_this_cycle"] == 4
    again = booth.post("/api/v1/points/study-deduction", {"study_ref": "XF0001"})
    assert again.status_code == 409
    assert again.json()["error"] == "points.study_already_used"


def test_study_deduction_refused_in_the_learner_period(api: Api, world: dict[str, Any]) -> None:
    person = _driver(
        api,
        first_issued_on=date(2026, 5, 1),
        learner_until=date(2027, 4, 30),
        validity="six_years",
        valid_from=date(2026, 5, 1),
        expires_on=date(2032, 5, 1),
    )
    api.learning.add_completion(
        StudyCompletion(
            ref="XF0002",
            id_number=person,
            way="online",
            minutes=40,
            exam_passed=True,
            completed_on=date(2026, 11, 25),
        )
    )
    r = _booth_for(api, person).post("/api/v1/points/study-deduction", {"study_ref": "XF0002"})
    assert r.status_code == 409
    codes = [x["code"] for x in r.json()["data"]["reasons"]]
    assert any("learner" in c for c in codes)


def test_overdue_unpaid_points_carry_into_the_next_cycle(api: Api, world: dict[str, Any]) -> None:
    """记分办法 第15条 example: 4 points paid + 3 points overdue -> next cycle starts at 3."""
    with api.ctx.uow() as uow:
        # cycles run from 15 March; the last one 2025-03-15 .. 2026-03-14
        person = builders.citizen(uow, name="钱坤", first_issued_on=date(2010, 3, 15))
        car = builders.vehicle(uow, person, "蒙B77777")
        paid = builders.overdue_decision(
            uow, person, car, date(2010, 3, 15), decided_on=date(2025, 6, 1), points=4
        )
        paid.state, paid.paid_on = "paid", date(2025, 6, 10)
        builders.overdue_decision(
            uow, person, car, date(2010, 3, 15), decided_on=date(2025, 7, 1), points=3
        )
    r = _booth_for(api, person.id_number).get("/api/v1/me/licence")
    assert r.json()["points"]["cycle_start"] == "2026-03-15"
    assert r.json()["points"]["total"] == 3


def test_licence_past_expiry_shows_expired_and_after_a_year_cancellation_due(
    api: Api, world: dict[str, Any]
) -> None:
    late = _driver(api, expires_on=date(2026, 9, 1), valid_from=date(2016, 9, 1))
    very_late = _driver(api, expires_on=date(2025, 9, 1), valid_from=date(2015, 9, 1))
    assert (
        _booth_for(api, late).get("/api/v1/me/licence").json()["licence"]["effective_status"]
        == "expired"
    )
    r = _booth_for(api, very_late).get("/api/v1/me/licence").json()["licence"]
    assert r["effective_status"] == "cancellation_due"
    assert "注销" in r["effective_status_text"]
