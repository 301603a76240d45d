"""暂缓或者分期缴纳罚款 (行政处罚法 第66条第2款): the identified citizen applies at the booth with
the hardship; a supervisor asks to grant it and a second supervisor approves (two keys), or one
supervisor refuses it. While an approved deferral runs no late fee accrues; instalments sum to
the fine, each is paid once through the payment flow, and a missed one makes the rest due."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from gangting.applications.models import Application
from gangting.audit.models import AuditEntry
from gangting.audit.verify import verify
from gangting.fines.deferral_rules import DeferralState
from gangting.fines.models import FineDeferral, FineInstalment, Payment, PenaltyDecision
from gangting.kernel.clock import CITY_ZONE
from tests.approvals.helpers import add_supervisor, approved, decide
from tests.desks.conftest import Api, Booth

APPLY = "/api/v1/fine-deferrals"
STAFF = "/api/v1/staff/fine-deferrals"
HARDSHIP = "本人下岗失业，家庭暂无收入来源"


@pytest.fixture
def decision_no(api: Api, booth: Booth, world: dict[str, Any]) -> str:
    """A red-light decision made today at the KDL booth: 200 yuan, due 2026-12-11."""
    add_supervisor(api, "sup-kdl-2")
    add_supervisor(api, "sup-qs", "QS")
    r = booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    assert r.status_code == 200, r.text
    decision = r.json()["decisions"][0]
    assert (decision["fine_fen"], decision["due_on"]) == (20000, "2026-12-11")
    return str(decision["decision_no"])


def apply(booth: Booth, decision_no: str, key: str | None = None, **body: Any) -> Any:
    payload = {"decision_no": decision_no, "kind": "deferral", "reason": HARDSHIP}
    payload.update(body)
    return booth.post(APPLY, payload, key=key)


def staff_post(api: Api, username: str, path: str, body: dict[str, Any]) -> Any:
    headers = {
        "Authorization": f"Bearer {api.login_staff(username)}",
        "Idempotency-Key": uuid.uuid4().hex,
    }
    return api.client.post(path, json=body, headers=headers)


def granted(api: Api, deferral_no: str, maker: str = "sup-kdl") -> dict[str, Any]:
    r = staff_post(api, maker, f"{STAFF}/{deferral_no}/grant", {"note": "情况属实"})
    return dict(approved(api, r, "sup-kdl-2").json()["result"])


def move_to(api: Api, booth: Booth, world: dict[str, Any], day: str) -> None:
    """Move the clock to 10:00 of ``day``; the booth logs in and identifies the citizen again."""
    api.clock.set(datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=CITY_ZONE))
    booth.token, booth.identity = api.login_booth(), None
    assert booth.verify(world["driver"]).status_code == 200


def count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def quote(booth: Booth, decision_no: str) -> Any:
    return booth.post("/api/v1/payments/quote", {"decision_nos": [decision_no]})


def test_a_deferral_granted_by_two_supervisors_keeps_the_late_fee_off_until_its_end(
    api: Api, booth: Booth, world: dict[str, Any], decision_no: str
) -> None:
    r = apply(booth, decision_no, defer_until="2027-01-31")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["service_item"] == "apply_fine_deferral" and body["receipt_no"]
    deferral = body["deferral"]
    assert (deferral["state"], deferral["kind"], deferral["defer_until"]) == (
        "pending",
        "deferral",
        "2027-01-31",
    )
    assert [x["code"] for x in body["reasons"]] == ["fines.deferral_pending"]
    assert "《中华人民共和国行政处罚法》 第66条第2款" in body["legal_basis"]
    no = deferral["deferral_no"]

    asked = staff_post(api, "sup-kdl", f"{STAFF}/{no}/grant", {"note": "情况属实"})
    assert asked.status_code == 202, asked.text
    pending = asked.json()
    assert (pending["kind"], pending["subject_kind"], pending["subject_id"]) == (
        "fine_deferral",
        "fine_deferral",
        no,
    )
    assert pending["subject_path"] == "/BT/KDL/"
    assert count(api, FineDeferral, FineDeferral.state == "approved") == 0  # one key: nothing
    # the maker is never the checker
    own = decide(api, "sup-kdl", pending["id"])
    assert own.status_code == 403 and own.json()["error"] == "approvals.same_person"
    result = approved(api, asked, "sup-kdl-2").json()["result"]
    assert result["state"] == "approved" and result["decided_by"] == "sup-kdl"
    assert [x["code"] for x in result["reasons"]] == ["fines.deferral_granted"]
    with api.ctx.uow() as uow:
        row = uow.session.execute(select(FineDeferral)).scalar_one()
        assert row.approval_id is not None and str(row.approval_id) == pending["id"]
        d = uow.session.execute(select(PenaltyDecision)).scalar_one()
        assert d.pauses == [["2026-12-12", "2027-01-31", no, "deferral"]]
    assert count(api, AuditEntry, AuditEntry.action == "fine_deferral.granted") == 1

    move_to(api, booth, world, "2027-01-31")  # 51 days after the due date: still deferred
    assert quote(booth, decision_no).json()["items"][0]["late_fee_fen"] == 0
    move_to(api, booth, world, "2027-02-02")  # two days after the deferral: 2 × 3 %
    item = quote(booth, decision_no).json()["items"][0]
    assert (item["late_fee_fen"], item["total_fen"]) == (1200, 21200)

    # the citizen reads their application at the booth
    seen = booth.get(f"{APPLY}/{no}")
    assert seen.status_code == 200 and seen.json()["state"] == "approved"


def test_one_supervisor_refuses_with_a_reason_and_the_citizen_may_apply_again(
    api: Api, booth: Booth, decision_no: str
) -> None:
    no = apply(booth, decision_no, defer_until="2027-01-31").json()["deferral"]["deferral_no"]
    blank = staff_post(api, "sup-kdl", f"{STAFF}/{no}/refuse", {"note": " "})
    assert blank.status_code == 422 and blank.json()["error"] == "approvals.note_required"
    r = staff_post(api, "sup-kdl", f"{STAFF}/{no}/refuse", {"note": "未提供困难证明材料"})
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["note"]) == ("refused", "未提供困难证明材料")
    assert r.json()["reasons"][0]["code"] == "fines.deferral_refused"
    assert "未提供困难证明材料" in r.json()["reasons"][0]["message"]
    assert count(api, AuditEntry, AuditEntry.action == "fine_deferral.refused") == 1
    again = staff_post(api, "sup-kdl", f"{STAFF}/{no}/grant", {})
    assert again.status_code == 409 and again.json()["error"] == "fines.deferral_decided"
    assert "不予批准" in again.json()["message"]
    assert apply(booth, decision_no, kind="instalments", instalment_count=2).status_code == 201


def test_another_brigade_s_supervisor_can_neither_grant_nor_refuse_nor_list(
    api: Api, booth: Booth, decision_no: str
) -> None:
    no = apply(booth, decision_no, defer_until="2027-01-31").json()["deferral"]["deferral_no"]
    for verb, body in (("grant", {}), ("refuse", {"note": "不符合条件"})):
        r = staff_post(api, "sup-qs", f"{STAFF}/{no}/{verb}", body)
        assert r.status_code == 403, (verb, r.text)
        assert r.json()["error"] == "auth.out_of_scope"
    officer = staff_post(api, "off-kdl", f"{STAFF}/{no}/grant", {})
    assert officer.status_code == 403
    headers = {"Authorization": f"Bearer {api.login_staff('sup-qs')}"}
    assert api.client.get(STAFF, headers=headers).json() == {"deferrals": []}
    headers = {"Authorization": f"Bearer {api.login_staff('sup-kdl')}"}
    listed = api.client.get(STAFF, params={"state": "pending"}, headers=headers).json()
    assert [d["deferral_no"] for d in listed["deferrals"]] == [no]
    assert count(api, FineDeferral, FineDeferral.state == "pending") == 1


@pytest.mark.parametrize(
    ("case", "body", "status", "code"),
    [
        ("no hardship", {"reason": "  "}, 422, "fines.deferral_reason_required"),
        ("no end date", {"defer_until": None}, 422, "fines.deferral_until_invalid"),
        ("past the setting", {"defer_until": "2027-03-12"}, 422, "fines.deferral_until_invalid"),
        (
            "one instalment",
            {"kind": "instalments", "instalment_count": 1},
            422,
            "fines.instalment_count_invalid",
        ),
        (
            "too many instalments",
            {"kind": "instalments", "instalment_count": 7},
            422,
            "fines.instalment_count_invalid",
        ),
        ("not the citizen's", {"decision_no": "JD-NOBODY"}, 404, "fines.decision_not_found"),
    ],
)
def test_an_application_out_of_bounds_is_refused(
    api: Api,
    booth: Booth,
    decision_no: str,
    case: str,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    fields = {"defer_until": "2027-01-31", **body}
    r = apply(booth, fields.pop("decision_no", decision_no), **fields)
    assert r.status_code == status, (case, r.text)
    assert r.json()["error"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["message"])  # zh-CN
    # a business refusal is filed as a refused application; malformed input is only answered
    filed = status != 422
    assert ("receipt_no" in r.json()["data"]) is filed
    assert count(api, Application, Application.state == "refused") == int(filed)
    assert count(api, FineDeferral) == 0


def test_one_open_application_per_decision_and_none_after_the_due_date(
    api: Api, booth: Booth, world: dict[str, Any], decision_no: str
) -> None:
    assert apply(booth, decision_no, defer_until="2027-01-31").status_code == 201
    second = apply(booth, decision_no, kind="instalments", instalment_count=3)
    assert second.status_code == 409 and second.json()["error"] == "fines.deferral_exists"
    move_to(api, booth, world, "2026-12-12")
    with api.ctx.uow() as uow:
        uow.session.execute(select(FineDeferral)).scalar_one().state = DeferralState.REFUSED
    late = apply(booth, decision_no, defer_until="2027-01-31")
    assert late.status_code == 409 and late.json()["error"] == "fines.deferral_too_late"


def test_the_same_key_files_the_application_once(api: Api, booth: Booth, decision_no: str) -> None:
    first = apply(booth, decision_no, key="dfr-1", defer_until="2027-01-31")
    again = apply(booth, decision_no, key="dfr-1", defer_until="2027-01-31")
    assert first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert count(api, FineDeferral) == 1
    assert count(api, AuditEntry, AuditEntry.action == "fine_deferral.applied") == 1


def pay(booth: Booth, nos: list[str], payer: str = "QR-1", key: str | None = None) -> Any:
    return booth.post(
        "/api/v1/payments/instalments", {"instalment_nos": nos, "payer_code": payer}, key=key
    )


def test_instalments_sum_to_the_fine_and_each_is_paid_exactly_once(
    api: Api, booth: Booth, decision_no: str
) -> None:
    no = apply(booth, decision_no, kind="instalments", instalment_count=3).json()["deferral"][
        "deferral_no"
    ]
    plan = granted(api, no)["instalments"]
    assert [(i["seq"], i["amount_fen"], i["due_on"]) for i in plan] == [
        (1, 6667, "2026-12-11"),
        (2, 6667, "2027-01-10"),
        (3, 6666, "2027-02-09"),
    ]
    assert sum(i["amount_fen"] for i in plan) == 20000
    whole = booth.post("/api/v1/payments", {"decision_nos": [decision_no], "payer_code": "QR"})
    assert whole.status_code == 409 and whole.json()["error"] == "fines.under_instalments"

    first = pay(booth, [plan[0]["instalment_no"]], key="inst-1")
    assert first.status_code == 201, first.text
    assert (first.json()["state"], first.json()["amount_fen"]) == ("succeeded", 6667)
    assert first.json()["items"][0]["instalment_no"] == plan[0]["instalment_no"]
    replay = pay(booth, [plan[0]["instalment_no"]], key="inst-1")
    assert replay.json()["payment_no"] == first.json()["payment_no"]
    twice = pay(booth, [plan[0]["instalment_no"]])
    assert twice.status_code == 409 and twice.json()["error"] == "fines.instalment_paid"
    assert count(api, Payment) == 1
    with api.ctx.uow() as uow:
        assert uow.session.execute(select(PenaltyDecision.state)).scalar_one() == "unpaid"

    rest = pay(booth, [plan[1]["instalment_no"], plan[2]["instalment_no"]])
    assert rest.status_code == 201 and rest.json()["amount_fen"] == 6667 + 6666
    with api.ctx.uow() as uow:
        d = uow.session.execute(select(PenaltyDecision)).scalar_one()
        assert (d.state, d.late_fee_paid_fen) == ("paid", 0)
    assert count(api, FineInstalment, FineInstalment.state == "paid") == 3
    with api.ctx.uow() as uow:  # the new rows are bound to the ledger and verify
        report = verify(uow.session)
    assert report.ok, report.problems


def test_a_missed_instalment_makes_the_rest_due_with_their_late_fee(
    api: Api, booth: Booth, world: dict[str, Any], decision_no: str
) -> None:
    no = apply(booth, decision_no, kind="instalments", instalment_count=3).json()["deferral"][
        "deferral_no"
    ]
    plan = granted(api, no)["instalments"]
    move_to(api, booth, world, "2026-12-21")  # the first missed by 10 days
    view = booth.get(f"{APPLY}/{no}").json()
    assert [i["late_fee_fen"] for i in view["instalments"]] == [2000, 2000, 2000]
    assert [i["falls_due_on"] for i in view["instalments"]] == ["2026-12-11"] * 3
    assert "fines.missed_instalment_makes_rest_due" in [r["code"] for r in view["reasons"]]
    r = pay(booth, [plan[1]["instalment_no"]])
    assert r.status_code == 201 and r.json()["amount_fen"] == 6667 + 2000
    assert r.json()["items"][0]["days_late"] == 10


def test_a_pending_instalment_payment_is_never_paid_twice(
    api: Api, booth: Booth, decision_no: str
) -> None:
    no = apply(booth, decision_no, kind="instalments", instalment_count=2).json()["deferral"][
        "deferral_no"
    ]
    first_no = granted(api, no)["instalments"][0]["instalment_no"]
    slow = pay(booth, [first_no], payer="TIMEOUT-1")
    assert slow.status_code == 201 and slow.json()["state"] == "pending"
    again = pay(booth, [first_no])
    assert again.status_code == 409 and again.json()["error"] == "fines.payment_pending"
    settled = booth.get(f"/api/v1/payments/{slow.json()['payment_no']}")
    assert settled.json()["state"] == "succeeded"
    assert count(api, FineInstalment, FineInstalment.state == "paid") == 1


def test_a_decision_paid_while_the_application_waits_cannot_be_granted(
    api: Api, booth: Booth, decision_no: str
) -> None:
    no = apply(booth, decision_no, defer_until="2027-01-31").json()["deferral"]["deferral_no"]
    paid = booth.post("/api/v1/payments", {"decision_nos": [decision_no], "payer_code": "QR"})
    assert paid.json()["state"] == "succeeded"
    r = staff_post(api, "sup-kdl", f"{STAFF}/{no}/grant", {})
    assert r.status_code == 409 and r.json()["error"] == "fines.already_paid"


def test_a_deferral_granted_during_an_open_review_leaves_the_review_to_be_closed(
    api: Api, booth: Booth, decision_no: str
) -> None:
    no = apply(booth, decision_no, defer_until="2027-01-31").json()["deferral"]["deferral_no"]
    with api.ctx.uow() as uow:
        d = uow.session.execute(select(PenaltyDecision)).scalar_one()
        d.pauses = [["2026-11-26", None, "包府行复〔2026〕12号", "review"]]
    granted(api, no)
    with api.ctx.uow() as uow:
        pauses = uow.session.execute(select(PenaltyDecision.pauses)).scalar_one()
    assert [p[3] for p in pauses] == ["deferral", "review"]  # the open review stays last
