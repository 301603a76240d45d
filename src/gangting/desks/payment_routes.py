"""Paying fines and late fees at the booth: parse, call the payment desk, render."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gangting.contracts import PaymentQuoteRequest, StartPayment
from gangting.desks.booth_call import BoothCallDep, BoothReadDep
from gangting.desks.payment import (
    StartInstalments,
    pay_fines,
    pay_instalments,
    payment_status,
    quote_payment,
)
from gangting.desks.schemas import PaymentQuote, PaymentView
from gangting.desks.transaction import fine_settings
from gangting.web.openapi import error_responses
from gangting.web.writes import render

router = APIRouter(
    prefix="/api/v1/payments",
    tags=["缴款 payments"],
    responses=error_responses(401, 403, 404, 422, 503),
)


@router.post(
    "",
    status_code=201,
    response_model=PaymentView,
    responses=error_responses(409),
    summary="发起缴款（罚款 + 加处罚款）",
)
def start_payment(body: StartPayment, call: BoothCallDep) -> JSONResponse:
    return render(pay_fines(call.ctx, call.actor, call.key, call.identity, body))


@router.post(
    "/instalments",
    status_code=201,
    response_model=PaymentView,
    responses=error_responses(409),
    summary="缴纳分期款项（经批准分期缴纳的各期款项 + 逾期的加处罚款）",
)
def start_instalment_payment(body: StartInstalments, call: BoothCallDep) -> JSONResponse:
    return render(pay_instalments(call.ctx, call.actor, call.key, call.identity, body))


@router.post(
    "/quote",
    response_model=PaymentQuote,
    response_model_exclude_unset=True,  # an item names its violation or its decision
    summary="计算应缴金额（待处理违法的罚款 + 已决定罚款及加处罚款；不写入）",
)
def quote(body: PaymentQuoteRequest, call: BoothReadDep) -> dict[str, Any]:
    fines = fine_settings(call.ctx)
    return call.read(lambda uow, citizen: quote_payment(uow, citizen, body, fines))


@router.get(
    "/{payment_no}",
    response_model=PaymentView,
    # "notice" is there only when the platform gave one: an absent key stays absent
    response_model_exclude_unset=True,
    summary="查询缴款结果（向缴款平台确认）",
)
def get_payment(payment_no: str, call: BoothReadDep) -> dict[str, Any]:
    return payment_status(call.ctx, call.actor, call.identity, payment_no)
