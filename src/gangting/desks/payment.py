"""Paying fines at the booth: the two steps of one payment, as one use case.

Step 1 files the payment (an application like every booth transaction) in an idempotent
unit of work. Step 2 asks the payment platform outside any transaction (a slow platform
must not hold database locks) and settles the answer in a second unit of work. A booth that
retries with the same key gets the stored payment of step 1 and the platform's current
answer, so a payment is never made twice.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gangting.citizens.models import Citizen
from gangting.context import Context
from gangting.contracts import PaymentQuoteRequest, Request, StartPayment
from gangting.desks.fine_deferrals import deferral_policy
from gangting.desks.transaction import citizen_answer, fine_settings, with_rating_link
from gangting.fines import deferrals, service
from gangting.fines.errors import PaymentNotFound
from gangting.identity.service import resolve_citizen
from gangting.kernel.actor import Actor
from gangting.kernel.money import format_yuan
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.violations.service import FineSettings, plan_processing
from gangting.web.writes import Answer


class StartInstalments(Request):
    instalment_nos: list[str] = Field(min_length=1, max_length=24, description="期款编号")
    payer_code: str = Field(min_length=1, max_length=64, description="缴款终端读取的付款码")


def pay_fines(
    ctx: Context, actor: Actor, key: str | None, identity: str | None, body: StartPayment
) -> Answer:
    """File the payment of the chosen decisions, then ask the platform and settle."""
    created = citizen_answer(
        ctx,
        actor,
        key,
        identity,
        "/payments",
        body,
        lambda uow, citizen: _created(
            service.create_payment(
                uow,
                actor,
                citizen,
                list(dict.fromkeys(body.decision_nos)),
                fine_settings(ctx).policy,
            )
        ),
        status_code=201,
        service_item="pay_fines",
    )
    if created.status_code != 201:
        return created
    settled = _settle(
        ctx, actor, created.body["payment_no"], created.body["amount_fen"], body.payer_code
    )
    return Answer(201, settled)


def pay_instalments(
    ctx: Context, actor: Actor, key: str | None, identity: str | None, body: StartInstalments
) -> Answer:
    """The same two steps for instalments of approved plans (行政处罚法 第66条第2款): each
    instalment with its late fee as of today, paid once."""
    policy = deferral_policy(ctx.settings)
    created = citizen_answer(
        ctx,
        actor,
        key,
        identity,
        "/payments/instalments",
        body,
        lambda uow, citizen: _created(
            deferrals.create_instalment_payment(
                uow,
                actor,
                citizen,
                list(dict.fromkeys(body.instalment_nos)),
                policy,
                fine_settings(ctx).policy,
            )
        ),
        status_code=201,
        service_item="pay_fines",
    )
    if created.status_code != 201:
        return created
    settled = _settle(
        ctx, actor, created.body["payment_no"], created.body["amount_fen"], body.payer_code
    )
    return Answer(201, settled)


def payment_status(
    ctx: Context, actor: Actor, identity: str | None, payment_no: str
) -> dict[str, Any]:
    """The citizen's own payment; a pending one is asked of the platform again."""
    with ctx.uow() as uow:
        citizen = resolve_citizen(uow, actor, identity)
        payment = service.get_payment(uow, payment_no)
        if payment.citizen_id != citizen.id:
            raise PaymentNotFound("未查询到该缴款记录")
        if payment.state != "pending":
            return service.payment_view(uow, payment)
        amount_fen = payment.amount_fen
    return _settle(ctx, actor, payment_no, amount_fen, "")


def quote_payment(
    uow: UnitOfWork, citizen: Citizen, body: PaymentQuoteRequest, fines: FineSettings
) -> dict[str, Any]:
    """The amount the citizen will pay, priced by the centre: the fines that processing
    these violations would impose, plus the decisions already made with their late fees as
    of today. A violation that cannot be processed is refused as processing would refuse it.
    The kiosk shows this number; it never adds amounts up itself."""
    items: list[dict[str, Any]] = []
    refs = list(dict.fromkeys(body.violation_refs))
    if refs:
        plan = plan_processing(uow, citizen, refs, fines, lock=False)
        if plan.refusals:
            raise plan.refusals[0]
        items += [
            {
                "kind": "violation",
                "violation_ref": item.violation.ref,
                "fine_fen": item.fine_fen,
                "late_fee_fen": 0,
                "total_fen": item.fine_fen,
            }
            for item in plan.items
        ]
    nos = list(dict.fromkeys(body.decision_nos))
    if nos:
        items += [
            {
                "kind": "decision",
                "decision_no": view["decision_no"],
                "fine_fen": view["fine_fen"],
                "late_fee_fen": view["late_fee_fen"],
                "total_fen": view["total_fen"],
            }
            for view in service.quote_decisions(uow, citizen, nos, fines.policy)
        ]
    total = sum(item["total_fen"] for item in items)
    return {"items": items, "total_fen": total, "total_display": format_yuan(total)}


def _created(payment: Any) -> dict[str, Any]:
    return {"payment_no": payment.payment_no, "amount_fen": payment.amount_fen}


def _settle(
    ctx: Context, actor: Actor, payment_no: str, amount_fen: int, payer_code: str
) -> dict[str, Any]:
    """Ask the platform (outside any transaction), then settle in one unit of work."""
    status = service.ask_platform(ctx.payments, payment_no, amount_fen, payer_code)
    with ctx.uow() as uow:
        payment = service.settle_payment(uow, actor, payment_no, status)
        view = with_rating_link(ctx, uow, actor, service.payment_view(uow, payment))
        if status.state == "pending" and status.reason:
            view["notice"] = status.reason
    return view
