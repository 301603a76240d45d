"""Camera violations at a booth: confirm -> decision -> points -> pay -> receipt."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from gangting.audit.models import AuditEntry
from gangting.fines.models import Payment, PenaltyDecision
from gangting.points.models import PointEntry
from tests.approvals.helpers import add_supervisor, approved
from tests.desks.conftest import Api, Booth


def _count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def test_processing_makes_decisions_records_points_and_cites_the_law(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    r = booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"], world["v2"]]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["receipt_no"].startswith("SL20261126")
    assert [d["points"] for d in body["decisions"]] == [6, 1]
    assert body["points_this_cycle"] == 7
    assert body["total_fine_fen"] == 20000 + 10000
    assert body["decisions"][0]["due_on"] == "2026-12-11"  # 15 days after receipt
    assert "《道路交通安全违法行为处理程序规定》 第58条" in body["legal_basis"]
    assert any("第45条" in b for b in body["legal_basis"])  # late-fee standard announced
    assert _count(api, PointEntry) == 2
    assert (
        _count(api, AuditEntry, AuditEntry.action == "application.process_violations.completed")
        == 1
    )


def test_same_idempotency_key_gives_same_answer_and_one_effect(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    body = {"violation_refs": [world["v1"]]}
    first = booth.post("/api/v1/violations/process", body, key="k-1")
    again = booth.post("/api/v1/violations/process", body, key="k-1")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _count(api, PenaltyDecision) == 1
    assert _count(api, PointEntry) == 1


def test_processing_twice_with_a_new_key_is_refused_without_double_points(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    body = {"violation_refs": [world["v1"]]}
    assert booth.post("/api/v1/violations/process", body).status_code == 200
    r = booth.post("/api/v1/violations/process", body)
    assert r.status_code == 409
    assert r.json()["error"] == "violations.already_processed"
    assert "已处理" in r.json()["message"]
    assert _count(api, PointEntry) == 1


def test_key_reused_for_a_different_request_is_refused(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]}, key="k-x")
    r = booth.post("/api/v1/violations/process", {"violation_refs": [world["v2"]]}, key="k-x")
    assert r.status_code == 422
    assert r.json()["error"] == "idempotency.key_reused"


def _process_and_pay(booth: Booth, world: dict[str, Any], payer: str) -> Any:
    decided = booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    decision_no = decided.json()["decisions"][0]["decision_no"]
    return decision_no, booth.post(
        "/api/v1/payments", {"decision_nos": [decision_no], "payer_code": payer}
    )


def test_payment_succeeds_once_and_gives_a_receipt(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    decision_no, r = _process_and_pay(booth, world, "QR-OK-1")
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "succeeded"
    assert r.json()["amount_fen"] == 20000
    assert r.json()["receipt_no"]
    again = booth.post("/api/v1/payments", {"decision_nos": [decision_no], "payer_code": "QR"})
    assert again.status_code == 409
    assert again.json()["error"] == "fines.already_paid"
    assert _count(api, Payment, Payment.state == "succeeded") == 1


def test_declined_payment_leaves_the_fine_unpaid_and_can_be_retried(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    decision_no, r = _process_and_pay(booth, world, "DECLINE-1")
    assert r.json()["state"] == "declined"
    assert "拒绝" in r.json()["failure"]
    retry = booth.post("/api/v1/payments", {"decision_nos": [decision_no], "payer_code": "QR"})
    assert retry.json()["state"] == "succeeded"
    with api.ctx.uow() as uow:
        d = uow.session.execute(select(PenaltyDecision)).scalar_one()
        assert d.state == "paid"


def test_timed_out_payment_is_confirmed_later_and_blocks_a_second_payment(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    decision_no, r = _process_and_pay(booth, world, "TIMEOUT-1")
    assert r.json()["state"] == "pending"
    payment_no = r.json()["payment_no"]
    second = booth.post("/api/v1/payments", {"decision_nos": [decision_no], "payer_code": "QR"})
    assert second.status_code == 409
    assert second.json()["error"] == "fines.payment_pending"
    polled = booth.get(f"/api/v1/payments/{payment_no}")
    assert polled.json()["state"] == "succeeded"
    assert _count(api, Payment, Payment.state == "succeeded") == 1


def test_late_fee_is_three_percent_a_day_and_capped_at_the_fine(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    from datetime import date

    from gangting.citizens.models import Citizen
    from gangting.licences.models import DrivingLicence
    from gangting.vehicles.models import Vehicle
    from tests import builders

    with api.ctx.uow() as uow:
        person = uow.session.execute(select(Citizen)).scalar_one()
        car = uow.session.execute(select(Vehicle)).scalar_one()
        lic = uow.session.execute(select(DrivingLicence)).scalar_one()
        # due 2026-10-27 → 30 days late on 2026-11-26 → 3 % x 30 = 90 % of the fine
        builders.overdue_decision(
            uow, person, car, lic.first_issued_on, decided_on=date(2026, 10, 12), fine_fen=20000
        )
        builders.overdue_decision(
            uow,
            person,
            car,
            lic.first_issued_on,
            decided_on=date(2025, 1, 2),
            fine_fen=10000,
            points=1,
        )
    r = booth.get("/api/v1/me/violations")
    unpaid = sorted(r.json()["unpaid_decisions"], key=lambda d: d["fine_fen"])
    assert unpaid[1]["days_late"] == 30
    assert unpaid[1]["late_fee_fen"] == 18000
    assert unpaid[0]["late_fee_fen"] == 10000 and unpaid[0]["late_fee_capped"]
    pay = booth.post(
        "/api/v1/payments", {"decision_nos": [d["decision_no"] for d in unpaid], "payer_code": "QR"}
    )
    assert pay.json()["amount_fen"] == 20000 + 18000 + 10000 + 10000
    assert pay.json()["state"] == "succeeded"


def test_review_period_pauses_the_late_fee(api: Api, booth: Booth, world: dict[str, Any]) -> None:
    from datetime import date

    from gangting.booths.models import Booth as BoothRow
    from gangting.citizens.models import Citizen
    from gangting.licences.models import DrivingLicence
    from gangting.vehicles.models import Vehicle
    from tests import builders

    with api.ctx.uow() as uow:
        person = uow.session.execute(select(Citizen)).scalar_one()
        car = uow.session.execute(select(Vehicle)).scalar_one()
        lic = uow.session.execute(select(DrivingLicence)).scalar_one()
        booth_id = uow.session.execute(
            select(BoothRow.id).where(BoothRow.code == "BT-KDL-001")
        ).scalar_one()
        d = builders.overdue_decision(
            uow,
            person,
            car,
            lic.first_issued_on,
            decided_on=date(2026, 10, 12),
            booth_id=booth_id,  # made at a booth of sup-kdl's brigade
        )
    supervisor = {"Authorization": f"Bearer {api.login_staff('sup-kdl')}", "Idempotency-Key": "p-1"}
    url = f"/api/v1/staff/decisions/{d.decision_no}/late-fee-pauses"
    # review from day 11 to day 20 after the deadline (2026-10-27): 10 days do not count
    r = api.client.post(
        url,
        json={
            "kind": "review",
            "start": "2026-11-07",
            "end": "2026-11-16",
            "case_no": "包府行复〔2026〕12号",
        },
        headers=supervisor,
    )
    add_supervisor(api, "sup-kdl-2")  # two keys: a second supervisor registers it
    result = approved(api, r, "sup-kdl-2").json()["result"]
    assert result["days_late"] == 20
    assert result["late_fee_fen"] == 12000
    officer = {"Authorization": f"Bearer {api.login_staff('off-kdl')}", "Idempotency-Key": "p-2"}
    assert (
        api.client.post(
            url,
            json={"kind": "review", "start": "2026-11-07", "case_no": "包府行复〔2026〕13号"},
            headers=officer,
        ).status_code
        == 403
    )
