"""The amount due is priced by the centre (POST /api/v1/payments/quote); the kiosk only
shows it. The quote is what the payment then charges, and it writes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from gangting.citizens.models import Citizen
from gangting.fines.models import Payment, PenaltyDecision
from gangting.licences.models import DrivingLicence
from gangting.vehicles.models import Vehicle
from tests import builders
from tests.desks.conftest import Api, Booth

QUOTE = "/api/v1/payments/quote"


def _count(api: Api, model: Any) -> int:
    with api.ctx.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def _overdue(api: Api) -> str:
    """A decision due 2026-10-27 and unpaid: 30 days late on 2026-11-26 (fee 18,000 fen)."""
    with api.ctx.uow() as uow:
        person = uow.session.execute(select(Citizen)).scalar_one()
        car = uow.session.execute(select(Vehicle)).scalar_one()
        lic = uow.session.execute(select(DrivingLicence)).scalar_one()
        decision = builders.overdue_decision(
            uow, person, car, lic.first_issued_on, decided_on=date(2026, 10, 12), fine_fen=20000
        )
        return str(decision.decision_no)


def test_the_quote_prices_new_fines_and_old_decisions_with_their_late_fee(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    old = _overdue(api)
    r = booth.post(QUOTE, {"violation_refs": [world["v1"], world["v2"]], "decision_nos": [old]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(i["kind"], i["total_fen"]) for i in body["items"]] == [
        ("violation", 20000),
        ("violation", 10000),
        ("decision", 20000 + 18000),
    ]
    assert body["items"][2]["late_fee_fen"] == 18000
    assert body["total_fen"] == 20000 + 10000 + 38000
    assert body["total_display"] == "680.00元"
    assert _count(api, PenaltyDecision) == 1  # only the old one: the quote wrote nothing
    assert _count(api, Payment) == 0


def test_the_payment_charges_what_the_quote_said(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    old = _overdue(api)
    processed = booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    new = processed.json()["decisions"][0]["decision_no"]
    quote = booth.post(QUOTE, {"decision_nos": [new, old]}).json()
    paid = booth.post("/api/v1/payments", {"decision_nos": [new, old], "payer_code": "QR"})
    assert paid.json()["amount_fen"] == quote["total_fen"] == 20000 + 38000


def test_a_quote_is_refused_like_the_business_it_prices(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    empty = booth.post(QUOTE, {})
    assert empty.status_code == 422
    unknown = booth.post(QUOTE, {"decision_nos": ["JD-NOT-MINE"]})
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "fines.decision_not_found"
    booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    again = booth.post(QUOTE, {"violation_refs": [world["v1"]]})
    assert again.status_code == 409
    assert again.json()["error"] == "violations.already_processed"
