"""Paying fines and late fees; the payment platform's confirmation."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.context import Context
from gangting.fines import service
from gangting.fines.errors import PaymentNotFound
from gangting.fines.models import Payment
from gangting.identity.service import resolve_citizen
from gangting.kernel.actor import Actor
from gangting.staff.service import require_role
from gangting.web.booth_write import citizen_write
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey, IdentityTokenHeader
from gangting.web.schemas import Request
from gangting.web.writes import run_write

router = APIRouter(prefix="/api/v1/payments", tags=["缴款 payments"])
staff_router = APIRouter(prefix="/api/v1/staff", tags=["督察 supervision"])


class StartPayment(Request):
    decision_nos: list[str] = Field(min_length=1, max_length=50)
    payer_code: str = Field(min_length=1, max_length=64, description="缴款终端读取的付款码")


def _settle(
    ctx: Context, actor: Actor, payment_no: str, amount_fen: int, payer_code: str
) -> dict[str, Any]:
    """Ask the platform (outside any transaction), then settle in one unit of work."""
    status = service.ask_platform(ctx.payments, payment_no, amount_fen, payer_code)
    with ctx.uow() as uow:
        payment = service.settle_payment(uow, actor, payment_no, status)
        view = service.payment_view(uow, payment)
        if status.state == "pending" and status.reason:
            view["notice"] = status.reason
    return view


@router.post("", summary="发起缴款（罚款 + 加处罚款）")
def start_payment(
    body: StartPayment,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
    identity: IdentityTokenHeader = None,
) -> JSONResponse:
    created = citizen_write(
        ctx,
        actor,
        key,
        identity,
        "/payments",
        body,
        lambda uow, citizen: _created(
            service.create_payment(
                uow, actor, citizen, list(dict.fromkeys(body.decision_nos)), ctx.fines.policy
            )
        ),
        status_code=201,
        service_item="pay_fines",
    )
    if created.status_code != 201:
        return created
    answer = json.loads(bytes(created.body))
    return JSONResponse(
        _settle(ctx, actor, answer["payment_no"], answer["amount_fen"], body.payer_code),
        status_code=201,
    )


def _created(payment: Payment) -> dict[str, Any]:
    return {"payment_no": payment.payment_no, "amount_fen": payment.amount_fen}


@router.get("/{payment_no}", summary="查询缴款结果（向缴款平台确认）")
def get_payment(
    payment_no: str, ctx: ContextDep, actor: ActorDep, identity: IdentityTokenHeader = None
) -> dict[str, Any]:
    with ctx.uow() as uow:
        citizen = resolve_citizen(uow, actor, identity)
        payment = service.get_payment(uow, payment_no)
        if payment.citizen_id != citizen.id:
            raise PaymentNotFound("未查询到该缴款记录")
        if payment.state != "pending":
            return service.payment_view(uow, payment)
    return _settle(ctx, actor, payment_no, payment.amount_fen, "")


class LateFeePause(Request):
    kind: str = Field(
        pattern="^(review|litigation)$", description="review 行政复议 | litigation 行政诉讼"
    )
    start: date
    end: date | None = None


@staff_router.post(
    "/decisions/{decision_no}/late-fee-pauses",
    summary="登记行政复议/诉讼期间（期间不计加处罚款；督察及以上）",
)
def pause_late_fee(
    decision_no: str,
    body: LateFeePause,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    require_role(actor, "supervisor")
    return run_write(
        ctx,
        actor,
        key,
        "POST",
        f"/staff/decisions/{decision_no}/late-fee-pauses",
        body.model_dump(mode="json"),
        lambda uow: (
            200,
            service.pause_late_fee(
                uow, actor, decision_no, body.kind, body.start, body.end, ctx.fines.policy
            ),
        ),
        action="pause_late_fee",
    )
