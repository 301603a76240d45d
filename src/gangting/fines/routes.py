"""Paying fines and late fees; the payment platform's confirmation."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.context import Context
from gangting.fines import service
from gangting.fines.errors import PaymentNotFound
from gangting.identity.service import resolve_citizen
from gangting.kernel.actor import Actor
from gangting.web.booth_write import citizen_write
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey, IdentityTokenHeader
from gangting.web.schemas import Request

router = APIRouter(prefix="/api/v1/payments", tags=["缴款 payments"])


class StartPayment(Request):
    decision_nos: list[str] = Field(min_length=1, max_length=50)
    payer_code: str = Field(min_length=1, max_length=64, description="缴款终端读取的付款码")


def _settle(ctx: Context, actor: Actor, payment_no: str, payer_code: str) -> dict[str, Any]:
    with ctx.uow() as uow:
        payment = service.get_payment(uow, payment_no)
    status = None
    if payment.state == "pending":
        status = service.ask_platform(ctx.payments, payment, payer_code)
    with ctx.uow() as uow:
        if status is not None:
            payment = service.settle_payment(uow, actor, payment_no, status)
        view = service.payment_view(uow, payment)
        if status is not None and status.state == "pending" and status.reason:
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
        lambda uow, citizen: {
            "payment_no": service.create_payment(
                uow, actor, citizen, list(dict.fromkeys(body.decision_nos)), ctx.fines.policy
            ).payment_no
        },
        status_code=201,
    )
    if created.status_code != 201:
        return created
    payment_no = json.loads(bytes(created.body))["payment_no"]
    return JSONResponse(_settle(ctx, actor, payment_no, body.payer_code), status_code=201)


@router.get("/{payment_no}", summary="查询缴款结果（向缴款平台确认）")
def get_payment(
    payment_no: str, ctx: ContextDep, actor: ActorDep, identity: IdentityTokenHeader = None
) -> dict[str, Any]:
    with ctx.uow() as uow:
        citizen = resolve_citizen(uow, actor, identity)
        payment = service.get_payment(uow, payment_no)
        if payment.citizen_id != citizen.id:
            raise PaymentNotFound("未查询到该缴款记录")
    return _settle(ctx, actor, payment_no, "")
