"""Alerts API for staff: the feed within one's org scope, acknowledge, assign, close (writes
idempotent by key, each audited)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.alerts import service
from gangting.alerts.rules import ALERT_KINDS, ALERT_STATES, SEVERITIES
from gangting.alerts.schemas import AlertList, AlertOut
from gangting.contracts import Request
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.staff_writes import post_write
from gangting.web.writes import run_read

router = APIRouter(prefix="/api/v1/staff", tags=["告警 alerts"])


def _one_of(values: tuple[str, ...]) -> str:
    return "^(" + "|".join(values) + ")$"


class Acknowledge(Request):
    note: str | None = Field(default=None, max_length=200, description="签收说明")


class Assign(Request):
    owner: str = Field(min_length=1, max_length=64, description="责任民警用户名")
    note: str | None = Field(default=None, max_length=200, description="指派说明")


class Close(Request):
    note: str = Field(max_length=500, description="处理情况（必填）")


@router.get("/alerts", response_model=AlertList, summary="告警列表（本单位辖区，按时间倒序）")
def list_alerts(
    ctx: ContextDep,
    actor: ActorDep,
    state: Annotated[
        str | None, Query(pattern=_one_of((*ALERT_STATES, "active")), description="active=未关闭")
    ] = None,
    kind: Annotated[str | None, Query(pattern=_one_of(ALERT_KINDS))] = None,
    severity: Annotated[str | None, Query(pattern=_one_of(SEVERITIES))] = None,
    booth: Annotated[str | None, Query(max_length=32)] = None,
    owner: Annotated[str | None, Query(max_length=64, description="用户名，或 me")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    found = run_read(
        ctx,
        lambda uow: service.list_alerts(
            uow,
            actor,
            state=state,
            kind=kind,
            severity=severity,
            booth_code=booth,
            owner=owner,
            limit=limit,
        ),
    )
    return {"alerts": found}


@router.get("/alerts/{alert_id}", response_model=AlertOut, summary="一条告警")
def get_alert(alert_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    result: dict[str, Any] = run_read(ctx, lambda uow: service.get_alert(uow, actor, alert_id))
    return result


@router.post(
    "/alerts/{alert_id}/acknowledge", response_model=AlertOut, summary="签收告警（民警及以上）"
)
def acknowledge(
    alert_id: uuid.UUID,
    body: Acknowledge,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return post_write(
        ctx,
        actor,
        key,
        f"/staff/alerts/{alert_id}/acknowledge",
        body,
        lambda uow: service.acknowledge_alert(uow, actor, alert_id, body.note),
        action="alert_acknowledge",
    )


@router.post(
    "/alerts/{alert_id}/assign", response_model=AlertOut, summary="指派告警责任人（督察及以上）"
)
def assign(
    alert_id: uuid.UUID,
    body: Assign,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return post_write(
        ctx,
        actor,
        key,
        f"/staff/alerts/{alert_id}/assign",
        body,
        lambda uow: service.assign_alert(uow, actor, alert_id, body.owner, body.note),
        action="alert_assign",
    )


@router.post(
    "/alerts/{alert_id}/close", response_model=AlertOut, summary="关闭告警（责任人或督察及以上）"
)
def close(
    alert_id: uuid.UUID,
    body: Close,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return post_write(
        ctx,
        actor,
        key,
        f"/staff/alerts/{alert_id}/close",
        body,
        lambda uow: service.close_alert(uow, actor, alert_id, body.note),
        action="alert_close",
    )
