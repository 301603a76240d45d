"""POST /api/v1/staff/decisions/{no}/late-fee-pauses: only within the caller's jurisdiction
(the unit of the booth where the decision was made; no booth: admins only), dates within
bounds, a case number kept with the period. Two keys: the request answers 202 with a pending
approval and a second supervisor with jurisdiction registers the period by approving it;
the checks hold when asking and again when executing."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth as BoothRow
from gangting.citizens.models import Citizen
from gangting.fines.models import PenaltyDecision
from gangting.licences.models import DrivingLicence
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.vehicles.models import Vehicle
from tests import builders
from tests.approvals.helpers import approved, decide
from tests.desks.conftest import Api

CASE = "包府行复〔2026〕12号"


@pytest.fixture
def decisions(api: Api, world: dict[str, Any]) -> dict[str, str]:
    """Overdue decisions (due 2026-10-27) made at the KDL booth, the QS booth, and nowhere."""
    with api.ctx.uow() as uow:
        person = uow.session.execute(select(Citizen)).scalar_one()
        car = uow.session.execute(select(Vehicle)).scalar_one()
        lic = uow.session.execute(select(DrivingLicence)).scalar_one()
        qs = uow.session.execute(select(OrgUnit).where(OrgUnit.code == "QS")).scalar_one()
        kdl = uow.session.execute(select(OrgUnit).where(OrgUnit.code == "KDL")).scalar_one()
        top = uow.session.execute(select(OrgUnit).where(OrgUnit.code == "BT")).scalar_one()
        builders.staff(uow, qs, "sup-qs", "supervisor")
        builders.staff(uow, qs, "sup-qs-2", "supervisor")  # the second keys
        builders.staff(uow, kdl, "sup-kdl-2", "supervisor")
        builders.staff(uow, top, "admin-2", "admin")
        out = {}
        for key, code in (("kdl", "BT-KDL-001"), ("qs", "BT-QS-001"), ("none", None)):
            booth_id = (
                None
                if code is None
                else uow.session.execute(
                    select(BoothRow.id).where(BoothRow.code == code)
                ).scalar_one()
            )
            d = builders.overdue_decision(
                uow,
                person,
                car,
                lic.first_issued_on,
                decided_on=date(2026, 10, 12),
                booth_id=booth_id,
            )
            out[key] = d.decision_no
    return out


def pause(api: Api, username: str, decision_no: str, **body: Any) -> Any:
    headers = {
        "Authorization": f"Bearer {api.login_staff(username)}",
        "Idempotency-Key": uuid.uuid4().hex,
    }
    payload = {"kind": "review", "start": "2026-11-07", "case_no": CASE, **body}
    return api.client.post(
        f"/api/v1/staff/decisions/{decision_no}/late-fee-pauses", json=payload, headers=headers
    )


def paused(api: Api, maker: str, decision_no: str, checker: str = "sup-kdl-2", **body: Any) -> Any:
    """The maker's request approved by ``checker``: the registered period's answer."""
    return approved(api, pause(api, maker, decision_no, **body), checker).json()["result"]


def stored(api: Api, decision_no: str) -> list[Any]:
    with api.ctx.uow() as uow:
        return list(
            uow.session.execute(
                select(PenaltyDecision.pauses).where(PenaltyDecision.decision_no == decision_no)
            ).scalar_one()
        )


def test_a_supervisor_pauses_a_decision_of_the_own_brigade_with_its_case_number(
    api: Api, decisions: dict[str, str]
) -> None:
    r = pause(api, "sup-kdl", decisions["kdl"], end="2026-11-16", case_no=f"  {CASE} ")
    assert r.status_code == 202, r.text
    pending = r.json()
    assert (pending["kind"], pending["state"]) == ("late_fee_pause", "pending")
    assert (pending["subject_kind"], pending["subject_id"]) == (
        "penalty_decision",
        decisions["kdl"],
    )
    assert pending["subject_path"] == "/BT/KDL/"
    assert stored(api, decisions["kdl"]) == []  # nothing on the maker's word alone
    body = approved(api, r, "sup-kdl-2").json()["result"]
    assert body["days_late"] == 20 and body["late_fee_fen"] == 12000
    assert body["pauses"] == [["2026-11-07", "2026-11-16"]]
    assert body["periods"] == [
        {"start": "2026-11-07", "end": "2026-11-16", "case_no": CASE, "kind": "review"}
    ]
    assert stored(api, decisions["kdl"]) == [["2026-11-07", "2026-11-16", CASE, "review"]]
    with api.ctx.uow() as uow:
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "decision.late_fee_paused")
        ).scalar_one()
    assert entry.data["case_no"] == CASE
    assert entry.actor_id == _staff_id(api, "sup-kdl")  # registered in the maker's name


def test_another_brigade_s_supervisor_is_refused_and_nothing_changes(
    api: Api, decisions: dict[str, str]
) -> None:
    # the hole: a QS supervisor paused a KDL decision from 1900 to 2999 and the fee became 0
    r = pause(api, "sup-qs", decisions["kdl"], start="2026-10-12", end="2026-12-31")
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "auth.out_of_scope"
    assert r.json()["message"] == "超出本单位管辖范围"
    assert stored(api, decisions["kdl"]) == []
    assert pause(api, "sup-kdl", decisions["qs"]).status_code == 403
    assert paused(api, "sup-qs", decisions["qs"], checker="sup-qs-2")["pauses"]
    # the second key needs the jurisdiction too
    mine = pause(api, "sup-kdl", decisions["kdl"])
    foreign = decide(api, "sup-qs", mine.json()["id"])
    assert foreign.status_code == 403 and foreign.json()["error"] == "auth.out_of_scope"
    assert stored(api, decisions["kdl"]) == []
    # admins see everything: an admin's request, a KDL supervisor's approval
    assert paused(
        api, "admin", decisions["kdl"], start="2026-11-01", case_no="（2026）内0203行初1号"
    )


def test_a_decision_made_at_no_booth_is_the_admins_only(
    api: Api, decisions: dict[str, str]
) -> None:
    r = pause(api, "sup-kdl", decisions["none"])
    assert r.status_code == 403
    assert r.json()["error"] == "auth.out_of_scope"
    asked = pause(api, "admin", decisions["none"])
    assert asked.status_code == 202, asked.text
    assert asked.json()["subject_path"] is None
    sup = decide(api, "sup-kdl", asked.json()["id"])
    assert sup.status_code == 403 and sup.json()["error"] == "auth.out_of_scope"
    assert approved(api, asked, "admin-2").json()["result"]["pauses"]


def test_an_officer_is_refused_by_role(api: Api, decisions: dict[str, str]) -> None:
    r = pause(api, "off-kdl", decisions["kdl"])
    assert r.status_code == 403
    assert r.json()["error"] == "auth.role_required"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"start": "1900-01-01", "end": "2999-12-31"}, "fines.pause_before_decision"),
        ({"start": "2026-10-11"}, "fines.pause_before_decision"),
        ({"start": "2026-10-12", "end": "2999-12-31"}, "fines.pause_too_long"),
        ({"start": "2026-11-26", "end": "2027-05-26"}, "fines.pause_too_long"),  # today+181
        ({"start": "2026-11-27"}, "fines.pause_not_started"),
        ({"start": "2026-11-10", "end": "2026-11-09"}, "fines.pause_dates"),
        ({"case_no": "    "}, "fines.case_no_invalid"),
        ({"case_no": "复议中"}, "fines.case_no_invalid"),
    ],
)
def test_bad_dates_and_case_numbers_are_named_422s(
    api: Api, decisions: dict[str, str], body: dict[str, Any], error: str
) -> None:
    r = pause(api, "sup-kdl", decisions["kdl"], **body)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == error
    assert r.json()["message"]
    assert stored(api, decisions["kdl"]) == []


def test_the_case_number_is_required(api: Api, decisions: dict[str, str]) -> None:
    headers = {
        "Authorization": f"Bearer {api.login_staff('sup-kdl')}",
        "Idempotency-Key": "no-case",
    }
    r = api.client.post(
        f"/api/v1/staff/decisions/{decisions['kdl']}/late-fee-pauses",
        json={"kind": "review", "start": "2026-11-07"},
        headers=headers,
    )
    assert r.status_code == 422
    assert r.json()["data"]["fields"][0]["field"] == "case_no"


def test_the_limit_is_the_configured_one(api: Api, decisions: dict[str, str]) -> None:
    api.ctx.settings.late_fee_pause_max_days = 10
    assert pause(api, "sup-kdl", decisions["kdl"], end="2026-12-07").status_code == 422
    assert paused(api, "sup-kdl", decisions["kdl"], end="2026-12-06")["pauses"]


def test_the_bounds_hold_again_when_the_checker_approves(
    api: Api, decisions: dict[str, str]
) -> None:
    asked = pause(api, "sup-kdl", decisions["kdl"], end="2026-12-06")
    assert asked.status_code == 202
    api.ctx.settings.late_fee_pause_max_days = 5  # the limit changed while it waited
    r = decide(api, "sup-kdl-2", asked.json()["id"])
    assert r.status_code == 422 and r.json()["error"] == "fines.pause_too_long"
    assert stored(api, decisions["kdl"]) == []
    api.ctx.settings.late_fee_pause_max_days = 180
    assert decide(api, "sup-kdl-2", asked.json()["id"]).status_code == 200
    assert stored(api, decisions["kdl"]) == [["2026-11-07", "2026-12-06", CASE, "review"]]


def test_two_requests_for_one_period_register_it_once(api: Api, decisions: dict[str, str]) -> None:
    no = decisions["kdl"]
    first, second = pause(api, "sup-kdl", no), pause(api, "sup-kdl-2", no)
    assert first.status_code == second.status_code == 202
    assert decide(api, "sup-kdl-2", first.json()["id"]).status_code == 200
    late = decide(api, "sup-kdl", second.json()["id"])
    assert late.status_code == 409 and late.json()["error"] == "fines.pause_open"
    assert stored(api, no) == [["2026-11-07", None, CASE, "review"]]


def test_an_open_period_closes_under_its_own_case_number_only(
    api: Api, decisions: dict[str, str]
) -> None:
    no = decisions["kdl"]
    assert paused(api, "sup-kdl", no)["periods"][0]["end"] is None
    again = pause(api, "sup-kdl", no)
    assert again.status_code == 409 and again.json()["error"] == "fines.pause_open"
    other = pause(api, "sup-kdl", no, end="2026-11-16", case_no="包府行复〔2026〕99号")
    assert other.status_code == 409, other.text
    assert other.json()["error"] == "fines.pause_case_mismatch"
    late = pause(api, "sup-kdl", no, end="2999-12-31")
    assert late.status_code == 422 and late.json()["error"] == "fines.pause_too_long"
    closed = paused(api, "sup-kdl", no, end="2026-11-16")
    assert closed["pauses"] == [["2026-11-07", "2026-11-16"]]
    assert stored(api, no) == [["2026-11-07", "2026-11-16", CASE, "review"]]
    twice = pause(api, "sup-kdl", no, start="2026-11-20")
    assert twice.status_code == 409 and twice.json()["error"] == "fines.pause_case_registered"
    lawsuit = paused(
        api, "sup-kdl", no, kind="litigation", start="2026-11-20", case_no="（2026）内0203行初45号"
    )
    assert [p["case_no"] for p in lawsuit["periods"]] == [CASE, "（2026）内0203行初45号"]


def test_old_two_element_pauses_are_read_and_closed(api: Api, decisions: dict[str, str]) -> None:
    no = decisions["kdl"]
    with api.ctx.uow() as uow:
        decision = uow.session.execute(
            select(PenaltyDecision).where(PenaltyDecision.decision_no == no)
        ).scalar_one()
        decision.pauses = [["2026-10-28", "2026-10-30"], ["2026-11-07", None]]
    r = paused(api, "sup-kdl", no, end="2026-11-16")
    # 30 days late minus 3 + 10 paused days
    assert r["days_late"] == 17
    assert r["pauses"] == [["2026-10-28", "2026-10-30"], ["2026-11-07", "2026-11-16"]]
    assert r["periods"][0] == {
        "start": "2026-10-28",
        "end": "2026-10-30",
        "case_no": None,
        "kind": None,
    }
    assert stored(api, no)[1] == ["2026-11-07", "2026-11-16", CASE, "review"]


def _staff_id(api: Api, username: str) -> str:
    with api.ctx.uow() as uow:
        return str(
            uow.session.execute(
                select(StaffAccount.id).where(StaffAccount.username == username)
            ).scalar_one()
        )
