"""Paying fines and late fees at the booth: parse, call the payment desk, render."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gangting.contracts import PaymentQuoteRequest, StartPayment
from gangting.desks.payment import pay_fines, payment_status, quote_payment
from gangting.desks.transaction import fine_settings
from gangting.identity.service import resolve_citizen
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey, IdentityTokenHeader
from gangting.web.writes import render

router = APIRouter(prefix="/api/v1/payments", tags=["缴款 payments"])


@router.post("", summary="发起缴款（罚款 + 加处罚款）")
def start_payment(
    body: StartPayment,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
    identity: IdentityTokenHeader = None,
) -> JSONResponse:
    return render(pay_fines(ctx, actor, key, identity, body))


@router.post("/quote", summary="计算应缴金额（待处理违法的罚款 + 已决定罚款及加处罚款；不写入）")
def quote(
    body: PaymentQuoteRequest,
    ctx: ContextDep,
    actor: ActorDep,
    identity: IdentityTokenHeader = None,
) -> dict[str, Any]:
    with ctx.uow() as uow:
        return quote_payment(uow, resolve_citizen(uow, actor, identity), body, fine_settings(ctx))


@router.get("/{payment_no}", summary="查询缴款结果（向缴款平台确认）")
def get_payment(
    payment_no: str, ctx: ContextDep, actor: ActorDep, identity: IdentityTokenHeader = None
) -> dict[str, Any]:
    return payment_status(ctx, actor, identity, payment_no)
