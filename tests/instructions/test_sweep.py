"""The deadline sweep on a real database (SQLite and PostgreSQL): missed steps mark their
targets, escalate once up the tree (squadron leader, brigade, detachment) with an alert of
kind missed_deadline, late steps still count, and unfinished instructions expire.
Running the sweep twice changes nothing twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from gangting.alerts.models import Alert
from gangting.config import Settings
from gangting.instructions.jobs import sweep_instruction_deadlines
from gangting.instructions.models import Instruction, InstructionEscalation
from gangting.instructions.rules import DeadlinePolicy
from gangting.instructions.sweep import sweep_deadlines
from tests.instructions.conftest import INTERCEPT, Org


def _sweep(org: Org) -> dict[str, Any]:
    with org.api.ctx.uow() as uow:
        return sweep_deadlines(uow, DeadlinePolicy()).to_dict()


def _count(org: Org, model: Any) -> int:
    with org.api.ctx.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def _alerts(org: Org) -> list[Alert]:
    with org.api.ctx.uow() as uow:
        return list(
            uow.session.execute(
                select(Alert).where(Alert.kind == "missed_deadline").order_by(Alert.raised_at)
            ).scalars()
        )


def test_nothing_is_due_before_the_deadline(org: Org) -> None:
    org.as_("sup-kdl").issue(INTERCEPT)
    org.api.clock.advance(timedelta(minutes=2, seconds=59))
    assert _sweep(org) == {
        "instructions": 0,
        "targets_missed": 0,
        "escalated": 0,
        "expired": 0,
        "escalations": [],
    }


def test_a_missed_acknowledgement_escalates_once_to_the_squadrons_leader(org: Org) -> None:
    issued = org.as_("sup-kdl").issue(INTERCEPT).json()
    org.api.clock.advance(timedelta(minutes=3))
    first = _sweep(org)
    assert (first["instructions"], first["targets_missed"], first["escalated"]) == (1, 2, 1)
    # idempotent: the same sweep again, and again a minute later, escalates nothing
    assert _sweep(org)["escalated"] == 0
    org.api.clock.advance(timedelta(minutes=1))
    assert _sweep(org) == {
        "instructions": 0,
        "targets_missed": 0,
        "escalated": 0,
        "expired": 0,
        "escalations": [],
    }
    assert _count(org, InstructionEscalation) == 1
    (alert,) = _alerts(org)
    assert (alert.cause, alert.subject_id, alert.severity) == ("acknowledge", issued["id"], "high")
    assert alert.data["due_at"] == "2026-11-26T02:03:00+00:00"

    detail = org.as_("sup-kdl").get(f"/{issued['id']}").json()
    assert (detail["state"], detail["state_zh"]) == ("escalated", "已升级督办")
    assert {(t["state"], t["missed_step"]) for t in detail["targets"]} == {
        ("missed", "acknowledge")
    }
    (esc,) = detail["escalations"]
    assert (esc["step"], esc["to_unit"], esc["missed"]) == (
        "acknowledge",
        "KDL-1",
        ["off-kdl-1", "off-kdl-2"],
    )
    assert esc["alert_id"] == str(alert.id)
    assert esc["escalation"]["no"] == first["escalations"][0]
    assert _trail_actions(detail)[-4:] == [
        "instruction.target_missed",
        "instruction.target_missed",
        "instruction.deadline_missed",
        "instruction.escalated",
    ]
    assert detail["trail"][-2]["data"]["to_unit"] == "KDL-1"

    # the squadron's leader got the escalation (督办) on their phone list
    leader = org.as_("lead-kdl-1").get("?mine=true&state=active").json()["instructions"]
    assert [(i["kind"], i["escalation_step"]) for i in leader] == [("escalation", "acknowledge")]
    assert "未按时签收" in leader[0]["text"] and "测试officer" in leader[0]["text"]
    assert leader[0]["subject"]["plate"] == "蒙B·12345"
    follow = org.as_("lead-kdl-1").get(f"/{leader[0]['id']}").json()
    assert follow["escalated_from"]["id"] == issued["id"]


def _trail_actions(detail: dict[str, Any]) -> list[str]:
    return [e["action"] for e in detail["trail"]]


def test_a_late_acknowledgement_and_report_still_complete_and_settle_the_escalation(
    org: Org,
) -> None:
    issued = org.as_("sup-kdl").issue(INTERCEPT).json()
    org.api.clock.advance(timedelta(minutes=4))
    _sweep(org)
    officer = org.as_("off-kdl-2")
    r = officer.post(f"/{issued['id']}/acknowledge", {})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "escalated"  # stays escalated until it completes
    assert (r.json()["mine"]["state"], r.json()["mine"]["acknowledged_late"]) == (
        "acknowledged",
        True,
    )
    r = officer.post(f"/{issued['id']}/report", {"result": "not_found", "text": "沿途未发现"})
    assert r.json()["state"] == "completed"
    follow_id = r.json()["escalations"][0]["escalation"]["id"]
    follow = org.as_("lead-kdl-1").get(f"/{follow_id}").json()
    assert (follow["state"], follow["cancelled_by"]) == ("cancelled", "system")
    assert follow["cancel_reason"] == "原指令已完成反馈，督办自动撤销"
    # the report deadline passes: a completed instruction is not swept again
    org.api.clock.advance(timedelta(hours=3))
    assert _sweep(org)["escalated"] == 0
    assert _count(org, InstructionEscalation) == 1


def test_escalation_climbs_squadron_leader_brigade_detachment_then_stops(org: Org) -> None:
    issued = (
        org.as_("sup-kdl")
        .issue({**INTERCEPT, "acknowledge_within_s": 60, "report_within_s": 24 * 3600})
        .json()
    )
    org.api.clock.advance(timedelta(seconds=60))
    levels = []
    for _ in range(4):
        result = _sweep(org)
        levels.append(result["escalated"])
        # each escalation is acknowledged by nobody within its 3 minutes
        org.api.clock.advance(timedelta(minutes=3))
    assert levels == [1, 1, 1, 1]  # original, leader's, brigade's, detachment's (alert only)
    with org.api.ctx.uow() as uow:
        chain = [
            (i.kind, i.escalation_step, i.issued_by)
            for i in uow.session.execute(
                select(Instruction).order_by(Instruction.issued_at)
            ).scalars()
        ]
    assert chain == [
        ("intercept", None, "sup-kdl"),
        ("escalation", "acknowledge", "system"),
        ("escalation", "acknowledge", "system"),
        ("escalation", "acknowledge", "system"),
    ]
    who = [
        [i["id"] for i in org.as_(u).get("?mine=true&kind=escalation").json()["instructions"]]
        for u in ("lead-kdl-1", "sup-kdl", "admin")
    ]
    assert [len(ids) for ids in who] == [1, 1, 1]
    top = org.as_("admin").get(f"/{who[2][0]}").json()
    assert top["unit"]["code"] == "BT"
    (last,) = top["escalations"]
    assert (last["to_unit"], last["escalation"]) == (None, None)  # nobody above: alert only
    assert len(_alerts(org)) == 4
    assert org.as_("sup-kdl").get(f"/{issued['id']}").json()["escalations"][0]["to_unit"] == "KDL-1"


def test_a_squadron_without_a_leader_escalates_to_the_brigade(org: Org) -> None:
    org.as_("sup-kdl").issue({"kind": "check_booth", "text": "检查岗亭门", "booth": "BT-KDL-002"})
    org.api.clock.advance(timedelta(minutes=3))
    assert _sweep(org)["escalated"] == 1
    (follow,) = org.as_("sup-kdl").get("?mine=true").json()["instructions"]
    assert (follow["kind"], follow["unit"]["code"]) == ("escalation", "KDL")
    (alert,) = _alerts(org)
    assert alert.severity == "medium"


def test_a_missed_report_escalates_and_an_unfinished_instruction_expires(org: Org) -> None:
    issued = org.as_("sup-kdl").issue(INTERCEPT).json()
    org.as_("off-kdl-1").post(f"/{issued['id']}/acknowledge", {})
    org.api.clock.advance(timedelta(minutes=3))
    assert _sweep(org)["escalated"] == 0  # one officer acknowledged: "any" is met
    org.api.clock.advance(timedelta(minutes=27))
    result = _sweep(org)
    # off-kdl-2 missed the acknowledgement and now the report too; off-kdl-1 the report
    assert (result["escalated"], result["targets_missed"]) == (1, 2)
    detail = org.as_("sup-kdl").get(f"/{issued['id']}").json()
    assert [(e["step"], e["missed"]) for e in detail["escalations"]] == [
        ("report", ["off-kdl-1", "off-kdl-2"])
    ]
    assert {t["username"]: t["missed_step"] for t in detail["targets"]} == {
        "off-kdl-1": "report",
        "off-kdl-2": "report",
    }
    org.api.clock.advance(timedelta(hours=2))
    result = _sweep(org)
    assert result["expired"] == 1
    # (the leader's escalation, unanswered, climbs on its own: 2 of its steps)
    assert result["escalated"] == 2
    detail = org.as_("sup-kdl").get(f"/{issued['id']}").json()
    assert (detail["state"], detail["expired_at"]) == ("expired", "2026-11-26T04:30:00+00:00")
    assert len(detail["escalations"]) == 1  # the report step was escalated already
    late = org.as_("off-kdl-1").post(f"/{issued['id']}/report", {"result": "intercepted"})
    assert (late.status_code, late.json()["error"]) == (409, "instructions.closed")
    assert _sweep(org)["instructions"] == 0


def test_a_sweep_that_ran_late_passes_every_due_checkpoint_in_one_go(org: Org) -> None:
    issued = org.as_("sup-kdl").issue(INTERCEPT).json()
    org.api.clock.advance(timedelta(hours=5))
    result = _sweep(org)
    assert (result["escalated"], result["expired"]) == (2, 1)
    detail = org.as_("sup-kdl").get(f"/{issued['id']}").json()
    assert [e["step"] for e in detail["escalations"]] == ["acknowledge", "report"]
    assert detail["state"] == "expired"


def test_the_sweep_runs_through_the_api_for_admins_and_as_a_job(org: Org) -> None:
    org.as_("sup-kdl").issue(INTERCEPT)
    org.api.clock.advance(timedelta(minutes=3))
    refused = org.as_("sup-kdl").post("/sweep", {})
    assert (refused.status_code, refused.json()["error"]) == (403, "auth.role_required")
    r = org.as_("admin").post("/sweep", {}, key="sweep-1")
    assert r.status_code == 200, r.text
    assert r.json()["escalated"] == 1
    assert org.as_("admin").post("/sweep", {}, key="sweep-1").json() == r.json()  # replayed
    settings = Settings(database_url=org.api.ctx.settings.database_url)
    org.api.clock.advance(timedelta(minutes=30))
    job = sweep_instruction_deadlines(settings, clock=org.api.clock)
    assert job.escalated >= 1
