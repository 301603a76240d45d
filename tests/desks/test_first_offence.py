"""首违不罚 at the booth (行政处罚法 第33条): a listed act that is the driver's first of its code
within the list's period, with no harm recorded, is decided as no penalty (不予行政处罚): no
fine, no points, education, its reasons and legal basis on the answer; audited, once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from gangting.audit.models import AuditEntry
from gangting.citizens.models import Citizen
from gangting.desks.transaction import fine_settings
from gangting.fines.models import PenaltyDecision
from gangting.kernel.actor import Actor
from gangting.points.models import PointEntry
from gangting.vehicles.models import Vehicle
from gangting.violations import service
from tests import builders
from tests.desks.conftest import Api, Booth

PROCESS = "/api/v1/violations/process"
LISTED = "1102"  # 不按规定使用灯光 (1 point), on the packaged example list


def _count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def _act(api: Api, code: str = LISTED, days_ago: int = 5, **change: Any) -> str:
    with api.ctx.uow() as uow:
        car = uow.session.execute(select(Vehicle)).scalar_one()
        v = builders.violation(uow, car, code, days_ago=days_ago)
        for name, value in change.items():
            setattr(v, name, value)
        if change.get("state") == "decided":
            v.driver_id = uow.session.execute(select(Citizen.id)).scalar_one()
        return v.ref


def test_a_first_listed_act_is_decided_without_penalty_and_says_why(api: Api, booth: Booth) -> None:
    ref = _act(api)
    r = booth.post(PROCESS, {"violation_refs": [ref]})
    assert r.status_code == 200, r.text
    body = r.json()
    decision = body["decisions"][0]
    assert (decision["outcome"], decision["fine_fen"], decision["points"]) == (
        "no_penalty",
        0,
        0,
    )
    assert "不予行政处罚" in decision["outcome_text"]
    assert "《中华人民共和国行政处罚法》 第33条第1款" in decision["legal_basis"]
    codes = [reason["code"] for reason in body["reasons"]]
    assert "violations.first_offence" in codes
    assert "violations.first_offence_education" in codes
    assert "points.not_recorded_without_penalty" in codes
    assert "《中华人民共和国行政处罚法》 第33条第3款" in body["legal_basis"]
    assert body["total_fine_fen"] == 0 and body["points_this_cycle"] == 0
    with api.ctx.uow() as uow:
        row = uow.session.execute(
            select(PenaltyDecision).where(PenaltyDecision.decision_no == decision["decision_no"])
        ).scalar_one()
        assert (row.outcome, row.fine_fen, row.points, row.state) == ("no_penalty", 0, 0, "paid")
    assert _count(api, PointEntry) == 0  # points go with a penalty decision (记分办法 第13条)
    entries = _count(
        api,
        AuditEntry,
        AuditEntry.action == "decision.no_penalty",
        AuditEntry.subject_id == decision["decision_no"],
    )
    assert entries == 1


def test_the_no_penalty_decision_is_made_exactly_once(api: Api, booth: Booth) -> None:
    ref = _act(api)
    first = booth.post(PROCESS, {"violation_refs": [ref]}, key="fo-1")
    again = booth.post(PROCESS, {"violation_refs": [ref]}, key="fo-1")
    assert first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = booth.post(PROCESS, {"violation_refs": [ref]})
    assert other.status_code == 409 and other.json()["error"] == "violations.already_processed"
    assert _count(api, PenaltyDecision) == 1
    assert _count(api, AuditEntry, AuditEntry.action == "decision.no_penalty") == 1


def test_the_preview_tells_the_outcome_and_writes_nothing(api: Api, booth: Booth) -> None:
    ref = _act(api)
    r = booth.post("/api/v1/violations/preview", {"violation_refs": [ref]})
    assert r.status_code == 200, r.text
    assert r.json()["decisions"][0]["outcome"] == "no_penalty"
    assert any(x["code"] == "violations.first_offence" for x in r.json()["reasons"])
    assert _count(api, PenaltyDecision) == 0


def test_of_two_acts_of_one_code_only_the_earlier_goes_unpunished(api: Api, booth: Booth) -> None:
    later = _act(api, days_ago=2)
    earlier = _act(api, days_ago=9)
    r = booth.post(PROCESS, {"violation_refs": [later, earlier]})
    assert r.status_code == 200, r.text
    outcome = {d["violation_ref"]: (d["outcome"], d["points"]) for d in r.json()["decisions"]}
    assert outcome == {earlier: ("no_penalty", 0), later: ("penalty", 1)}
    assert r.json()["points_this_cycle"] == 1
    assert r.json()["total_fine_fen"] > 0


@pytest.mark.parametrize(
    ("case", "before_days", "harm", "outcome"),
    [
        ("an earlier act of the code 100 days before", 100, False, "penalty"),
        ("an earlier act of the code 400 days before (outside 365)", 400, False, "no_penalty"),
        ("harm recorded", None, True, "penalty"),
    ],
)
def test_an_act_that_is_not_a_first_minor_offence_is_penalised(
    api: Api, booth: Booth, case: str, before_days: int | None, harm: bool, outcome: str
) -> None:
    if before_days is not None:
        _act(api, days_ago=before_days, state="decided")
    ref = _act(api, harm_recorded=harm)
    r = booth.post(PROCESS, {"violation_refs": [ref]})
    assert r.status_code == 200, r.text
    decision = r.json()["decisions"][0]
    assert decision["outcome"] == outcome, case
    assert (decision["fine_fen"] > 0) is (outcome == "penalty")
    assert (_count(api, PointEntry) == 1) is (outcome == "penalty")


def test_an_unlisted_act_is_penalised_as_before(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    r = booth.post(PROCESS, {"violation_refs": [world["v1"]]})
    assert r.json()["decisions"][0]["outcome"] == "penalty"
    assert r.json()["decisions"][0]["points"] == 6


def test_with_the_rule_turned_off_a_listed_act_is_penalised(
    api: Api, world: dict[str, Any]
) -> None:
    ref = _act(api)
    fines = fine_settings(api.ctx)
    assert fines.first_offences is not None
    off = type(fines)(fines.policy, fines.calendar, fines.overrides_fen, None)
    with api.ctx.uow() as uow:
        citizen = uow.session.execute(select(Citizen)).scalar_one()
        booth_actor = Actor("booth", None, "BT-KDL-001")
        answer = service.process_violations(uow, booth_actor, citizen, [ref], off)
    assert answer["decisions"][0]["outcome"] == "penalty"
    assert answer["decisions"][0]["points"] == 1
