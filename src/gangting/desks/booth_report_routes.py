"""Booth reports over HTTP: help calls, telemetry, printed receipts (idempotent, booth
only); help calls and faults raise their alerts (the booth report desk)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from gangting.alerts.rules import FaultPolicy
from gangting.booths import service
from gangting.booths.clock import check_booth_report
from gangting.booths.report import booth_report
from gangting.booths.schemas import HelpCallAnswer, ReceiptPrintedAnswer, TelemetryAnswer
from gangting.context import Context
from gangting.contracts import Request
from gangting.desks import booth_reports
from gangting.kernel.actor import Actor
from gangting.staff.service import require_booth
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.openapi import error_responses


def _booth_name(actor: Actor) -> str:
    require_booth(actor)
    return actor.name


def _checked(ctx: Context, actor: Actor, body: BoothReport) -> None:
    """The booth named and the time given, by the rule the MQTT ingest applies too."""
    check_booth_report(
        _booth_name(actor),
        body.booth,
        [("at", body.at)],
        ctx.clock.now(),
        booth_reports.clock_window(ctx.settings),
    )


router = APIRouter(
    prefix="/api/v1", tags=["岗亭 booths"], responses=error_responses(401, 403, 409, 422)
)


class BoothReport(Request):
    booth: str | None = Field(default=None, max_length=32, description="岗亭编号（须为本岗亭）")
    at: AwareDatetime | None = Field(default=None, description="岗亭上发生的时间（带时区）")


class HelpCallRequest(BoothReport):
    id: uuid.UUID | None = Field(
        default=None,
        description="岗亭生成的求助编号：同一求助经 HTTP 与 MQTT 两条路径到达时只记一次",
    )
    kind: str = Field(default="assistance", pattern="^[a-z_]{1,32}$")
    note: str | None = Field(default=None, max_length=500)


class TelemetryRequest(BoothReport):
    kind: str = Field(
        pattern="^[a-z_]{1,32}$", description="door | power | temperature_c | paper …"
    )
    # Strict members: a lax bool would turn the integers 0 and 1 into False and True.
    value: StrictBool | StrictInt | StrictFloat | StrictStr = Field(union_mode="left_to_right")


class ReceiptPrinted(BoothReport):
    receipt_no: str = Field(min_length=4, max_length=32)


@router.post("/help-calls", status_code=201, response_model=HelpCallAnswer, summary="岗亭一键求助")
def help_call(
    body: HelpCallRequest, ctx: ContextDep, actor: ActorDep, key: IdempotencyKey = None
) -> JSONResponse:
    _checked(ctx, actor, body)
    return booth_report(
        ctx,
        actor,
        key,
        "/help-calls",
        body,
        body.booth,
        lambda uow: booth_reports.call_help(uow, actor, body.kind, body.note, body.at, body.id),
        action="help_call",
    )


@router.post(
    "/booths/telemetry",
    status_code=201,
    response_model=TelemetryAnswer,
    summary="岗亭设备状态上报（门、电源、温度、纸）",
)
def telemetry(
    body: TelemetryRequest, ctx: ContextDep, actor: ActorDep, key: IdempotencyKey = None
) -> JSONResponse:
    _checked(ctx, actor, body)
    value: Any = body.value
    return booth_report(
        ctx,
        actor,
        key,
        "/booths/telemetry",
        body,
        body.booth,
        lambda uow: booth_reports.record_telemetry(
            uow, actor, body.kind, value, body.at, FaultPolicy(ctx.settings.booth_max_temperature_c)
        ),
        action="telemetry",
    )


@router.post(
    "/receipts/printed",
    status_code=201,
    response_model=ReceiptPrintedAnswer,
    responses=error_responses(404),
    summary="岗亭已打印受理回执",
)
def receipt_printed(
    body: ReceiptPrinted, ctx: ContextDep, actor: ActorDep, key: IdempotencyKey = None
) -> JSONResponse:
    _checked(ctx, actor, body)
    return booth_report(
        ctx,
        actor,
        key,
        "/receipts/printed",
        body,
        body.booth,
        lambda uow: service.record_receipt_printed(uow, actor, body.receipt_no, body.at),
        action="receipt_printed",
    )
