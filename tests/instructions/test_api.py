"""Instructions through the API on a real database (SQLite and PostgreSQL): issue, who sees
what, acknowledge, report, cancel, refusals as named errors, and the trail in the audit
log written with each step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from gangting.audit.models import AuditEntry
from tests.instructions.conftest import INTERCEPT, Org


def _actions(detail: dict[str, Any]) -> list[str]:
    return [e["action"] for e in detail["trail"]]


def test_a_supervisor_issues_an_interception_to_the_officers_of_a_squadron(org: Org) -> None:
    sup = org.as_("sup-kdl")
    r = sup.issue(INTERCEPT, key="issue-1")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["kind"], body["state"], body["state_zh"]) == ("intercept", "open", "待签收")
    assert body["subject"]["plate"] == "蒙B·12345"
    assert body["subject"]["plate_no"] == "蒙B12345"
    assert body["subject"]["location"] == "沿钢铁大街向北"
    assert body["unit"]["code"] == "KDL-1"
    assert body["issued_by"] == "sup-kdl"
    assert body["no"].startswith("ZL20261126")
    # resolved to the squadron's officers at issue time, not its leader
    assert [t["username"] for t in body["targets"]] == ["off-kdl-1", "off-kdl-2"]
    assert {t["state"] for t in body["targets"]} == {"sent"}
    assert body["issued_at"] == "2026-11-26T02:00:00+00:00"
    assert body["acknowledge_due_at"] == "2026-11-26T02:03:00+00:00"
    assert body["report_due_at"] == "2026-11-26T02:30:00+00:00"
    assert body["legal_basis"] == ["《中华人民共和国道路交通安全法》 第115条第(十三)项"]
    assert _actions(body) == ["instruction.issued"]
    assert body["trail"][0]["data"]["targets"] == ["off-kdl-1", "off-kdl-2"]
    again = sup.issue(INTERCEPT, key="issue-1")
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == body
    assert len(sup.get().json()["instructions"]) == 1


def test_a_booth_target_reaches_the_officers_of_the_booths_squadron(org: Org) -> None:
    r = org.as_("sup-kdl").issue(
        {
            "kind": "check_booth",
            "text": "检查机柜门是否关闭",
            "booth": "BT-KDL-002",
            "targets": {"booth": "BT-KDL-002"},
            "acknowledge_within_s": 60,
            "report_within_s": 900,
        }
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert [t["username"] for t in body["targets"]] == ["off-kdl-3"]
    assert body["acknowledge_due_at"] == "2026-11-26T02:01:00+00:00"
    assert body["report_due_at"] == "2026-11-26T02:15:00+00:00"
    # no targets named: the officers of the booth the instruction is about
    r = org.as_("sup-kdl").issue(
        {"kind": "check_booth", "text": "检查打印机缺纸", "booth": "BT-KDL-001"}
    )
    assert [t["username"] for t in r.json()["targets"]] == ["off-kdl-1", "off-kdl-2"]
    named = org.as_("admin").issue(
        {
            "kind": "general",
            "text": "两个中队联合巡逻",
            "targets": {"officers": ["off-kdl-1", "off-kdl-3"]},
        }
    )
    assert named.status_code == 201, named.text
    assert named.json()["unit"]["code"] == "KDL"  # the unit both lie under
    assert named.json()["completion"] == "all"


def test_only_command_centre_staff_within_scope_issue(org: Org) -> None:
    refused = org.as_("off-kdl-1").issue(INTERCEPT)
    assert (refused.status_code, refused.json()["error"]) == (403, "auth.role_required")
    out = org.as_("sup-qs").issue(INTERCEPT)
    assert (out.status_code, out.json()["error"]) == (403, "auth.out_of_scope")
    other_booth = org.as_("sup-qs").issue(
        {
            "kind": "check_booth",
            "text": "检查岗亭",
            "booth": "BT-KDL-001",
            "targets": {"squadron": "QS-1"},
        }
    )
    assert (other_booth.status_code, other_booth.json()["error"]) == (403, "auth.out_of_scope")
    assert org.as_("admin").issue(INTERCEPT).status_code == 201


def test_bad_instructions_are_refused_with_named_errors(org: Org) -> None:
    sup = org.as_("sup-kdl")
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({**INTERCEPT, "plate": None}, 422, "instructions.invalid"),
        ({**INTERCEPT, "plate": "蒙B·1234"}, 422, "vehicles.invalid_plate"),
        ({**INTERCEPT, "kind": "escalation"}, 422, "request.invalid"),
        ({**INTERCEPT, "text": "拦"}, 422, "instructions.invalid"),
        ({**INTERCEPT, "targets": {"squadron": "NOPE"}}, 404, "instructions.subject_not_found"),
        ({**INTERCEPT, "targets": {"squadron": "KDL"}}, 422, "instructions.not_a_squadron"),
        (
            {**INTERCEPT, "targets": {"squadron": "KDL-1", "booth": "BT-KDL-001"}},
            422,
            "instructions.invalid",
        ),
        ({**INTERCEPT, "targets": {}}, 422, "instructions.invalid"),
        ({**INTERCEPT, "targets": {"officers": ["ghost"]}}, 404, "instructions.subject_not_found"),
        (
            {**INTERCEPT, "acknowledge_within_s": 600, "report_within_s": 300},
            422,
            "instructions.invalid",
        ),
        ({**INTERCEPT, "acknowledge_within_s": 5}, 422, "request.invalid"),
        ({**INTERCEPT, "hit_id": "not-a-uuid"}, 422, "request.invalid"),
        ({**INTERCEPT, "extra": 1}, 422, "request.invalid"),
        (
            {"kind": "check_booth", "text": "检查", "booth": "BT-NONE"},
            404,
            "instructions.subject_not_found",
        ),
    ]
    for n, (body, status, error) in enumerate(cases):
        r = sup.issue(body, key=f"bad-{n}")
        assert (r.status_code, r.json()["error"]) == (status, error), (body, r.text)
    reasons = sup.issue({**INTERCEPT, "plate": None}).json()["data"]["reasons"]
    assert reasons[0]["code"] == "instructions.plate_required"
    nobody = org.as_("sup-qs").issue(
        {"kind": "general", "text": "巡逻", "targets": {"squadron": "QS-2"}}
    )
    assert (nobody.status_code, nobody.json()["error"]) == (409, "instructions.no_targets")
    no_key = org.api.client.post(
        "/api/v1/staff/instructions", json=INTERCEPT, headers=sup.headers()
    )
    assert (no_key.status_code, no_key.json()["error"]) == (422, "idempotency.key_required")


def test_an_officer_sees_only_the_instructions_that_went_to_them(org: Org) -> None:
    sup = org.as_("sup-kdl")
    first = sup.issue(INTERCEPT).json()
    second = sup.issue(
        {"kind": "general", "text": "注意路面结冰", "targets": {"squadron": "KDL-2"}}
    ).json()
    qs = (
        org.as_("sup-qs")
        .issue({"kind": "general", "text": "青山巡逻", "targets": {"squadron": "QS-1"}})
        .json()
    )
    mine = org.as_("off-kdl-1").get().json()
    assert [i["id"] for i in mine["instructions"]] == [first["id"]]
    assert mine["me"] == {"username": "off-kdl-1", "name": "测试officer", "role": "officer"}
    assert mine["instructions"][0]["mine"]["state"] == "sent"
    assert mine["now"] == "2026-11-26T02:00:00+00:00"
    assert [i["id"] for i in org.as_("off-kdl-3").get().json()["instructions"]] == [second["id"]]
    hidden = org.as_("off-kdl-3").get(f"/{first['id']}")
    assert (hidden.status_code, hidden.json()["error"]) == (404, "instructions.not_found")
    # supervisors: their scope; admins: all
    assert {i["id"] for i in sup.get().json()["instructions"]} == {first["id"], second["id"]}
    assert [i["id"] for i in org.as_("sup-qs").get().json()["instructions"]] == [qs["id"]]
    assert len(org.as_("admin").get().json()["instructions"]) == 3
    # filters
    assert [i["id"] for i in sup.get("?kind=general").json()["instructions"]] == [second["id"]]
    assert [i["id"] for i in sup.get("?plate=蒙B12345").json()["instructions"]] == [first["id"]]
    assert sup.get("?state=completed").json()["instructions"] == []
    assert len(sup.get("?state=active").json()["instructions"]) == 2
    assert sup.get("?mine=true").json()["instructions"] == []
    assert sup.get("?state=bogus").status_code == 422
    bad_plate = sup.get("?plate=XX")
    assert (bad_plate.status_code, bad_plate.json()["error"]) == (422, "vehicles.invalid_plate")
    booth = org.api.client.get("/api/v1/staff/instructions", headers={"Authorization": "Bearer x"})
    assert booth.status_code == 401


def test_acknowledge_then_report_completes_with_the_whole_trail(org: Org) -> None:
    issued = org.as_("sup-kdl").issue(INTERCEPT).json()
    officer = org.as_("off-kdl-1")
    org.api.clock.advance(timedelta(seconds=40))
    r = officer.post(f"/{issued['id']}/acknowledge", {"note": "正在前往"}, key="ack-1")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["state"], body["mine"]["state"], body["mine"]["acknowledged_late"]) == (
        "acknowledged",
        "acknowledged",
        False,
    )
    assert (
        officer.post(f"/{issued['id']}/acknowledge", {"note": "正在前往"}, key="ack-1").json()
        == body
    )
    twice = officer.post(f"/{issued['id']}/acknowledge", {})
    assert (twice.status_code, twice.json()["error"]) == (409, "instructions.step_done")
    org.api.clock.advance(timedelta(minutes=10))
    r = officer.post(
        f"/{issued['id']}/report",
        {
            "result": "intercepted",
            "text": "已在钢铁大街与民族路口拦截",
            "evidence_note": "执法记录仪 DSJ-0231",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["state"], body["state_zh"]) == ("completed", "已完成")
    assert body["mine"]["result_zh"] == "已拦截"
    assert body["mine"]["evidence_note"] == "执法记录仪 DSJ-0231"
    assert body["counts"] == {"targets": 2, "acknowledged": 1, "reported": 1, "missed": 0}
    assert _actions(body) == [
        "instruction.issued",
        "instruction.target_acknowledged",
        "instruction.acknowledged",
        "instruction.target_reported",
        "instruction.completed",
    ]
    assert [e["actor"] for e in body["trail"][1:4]] == ["off-kdl-1"] * 3
    assert body["trail"][1]["reason"] == "正在前往"
    # the other officer: the interception is done
    late = org.as_("off-kdl-2").post(f"/{issued['id']}/report", {"result": "not_found"})
    assert (late.status_code, late.json()["error"]) == (409, "instructions.closed")
    # a supervisor in scope reads the same trail, but is no target
    detail = org.as_("sup-kdl").get(f"/{issued['id']}").json()
    assert detail["mine"] is None and detail["trail"] == body["trail"]
    with org.api.ctx.uow() as uow:
        n = uow.session.execute(
            select(func.count()).where(
                AuditEntry.subject_kind == "instruction", AuditEntry.subject_id == issued["id"]
            )
        ).scalar_one()
    assert n == 5


def test_reports_are_checked_and_a_general_instruction_needs_everyone(org: Org) -> None:
    issued = (
        org.as_("sup-kdl")
        .issue({"kind": "general", "text": "今晚加强夜查", "targets": {"squadron": "KDL-1"}})
        .json()
    )
    one, two = org.as_("off-kdl-1"), org.as_("off-kdl-2")
    wrong = one.post(f"/{issued['id']}/report", {"result": "intercepted"})
    assert (wrong.status_code, wrong.json()["error"]) == (422, "instructions.report_invalid")
    unable = one.post(f"/{issued['id']}/report", {"result": "unable"})
    assert (unable.status_code, unable.json()["error"]) == (422, "instructions.report_invalid")
    assert one.post(f"/{issued['id']}/report", {"result": "bogus"}).status_code == 422
    r = one.post(f"/{issued['id']}/report", {"result": "done", "text": "已落实"})
    assert r.json()["state"] == "acknowledged"  # the report acknowledged too; one of two
    assert r.json()["mine"]["acknowledged_at"] == r.json()["mine"]["reported_at"]
    r = two.post(f"/{issued['id']}/report", {"result": "done"})
    assert r.json()["state"] == "completed"
    not_target = org.as_("off-kdl-3").post(f"/{issued['id']}/acknowledge", {})
    assert (not_target.status_code, not_target.json()["error"]) == (404, "instructions.not_found")
    sup_issued = org.as_("sup-kdl").issue(INTERCEPT).json()
    sup_ack = org.as_("sup-kdl").post(f"/{sup_issued['id']}/acknowledge", {})
    assert (sup_ack.status_code, sup_ack.json()["error"]) == (403, "instructions.not_a_target")


def test_a_supervisor_cancels_with_a_reason(org: Org) -> None:
    issued = org.as_("sup-kdl").issue(INTERCEPT).json()
    officer = org.as_("off-kdl-1")
    officer.post(f"/{issued['id']}/acknowledge", {})
    refused = officer.post(f"/{issued['id']}/cancel", {"reason": "不需要了"})
    assert (refused.status_code, refused.json()["error"]) == (403, "auth.role_required")
    no_reason = org.as_("sup-kdl").post(f"/{issued['id']}/cancel", {"reason": " "})
    assert (no_reason.status_code, no_reason.json()["error"]) == (
        422,
        "instructions.reason_required",
    )
    out = org.as_("sup-qs").post(f"/{issued['id']}/cancel", {"reason": "误发"})
    assert out.status_code == 404  # not in their scope: not even told it exists
    r = org.as_("sup-kdl").post(f"/{issued['id']}/cancel", {"reason": "车辆已在别处查获"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["state"], body["cancel_reason"], body["cancelled_by"]) == (
        "cancelled",
        "车辆已在别处查获",
        "sup-kdl",
    )
    assert {t["state"] for t in body["targets"]} == {"cancelled"}
    assert _actions(body)[-1] == "instruction.cancelled"
    after = officer.post(f"/{issued['id']}/report", {"result": "intercepted"})
    assert (after.status_code, after.json()["error"]) == (409, "instructions.closed")
    again = org.as_("sup-kdl").post(f"/{issued['id']}/cancel", {"reason": "再次撤销"})
    assert (again.status_code, again.json()["error"]) == (409, "instructions.closed")
    assert org.as_("off-kdl-1").get("?state=active").json()["instructions"] == []
    missing = officer.get("/0190b3c4-0000-7000-8000-000000000000")
    assert (missing.status_code, missing.json()["error"]) == (404, "instructions.not_found")
    assert officer.get("/not-a-uuid").status_code == 422
