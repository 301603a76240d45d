"""Supervision reads over HTTP: parse, call the supervision desk, render."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from gangting.desks import supervision
from gangting.desks.schemas import ApplicationList, AuditEntries, CitizenLookup
from gangting.web.deps import ActorDep, ContextDep
from gangting.web.openapi import error_responses
from gangting.web.writes import run_read

router = APIRouter(
    prefix="/api/v1/staff",
    tags=["督察 supervision"],
    responses=error_responses(401, 403, 422),
)
Reason = Annotated[
    str,
    Query(
        max_length=200,
        description="查询事由（记录在案；至少4个汉字、字母或数字；reveal 时须注明案号或工单号，"
        "如（2026）内0203行初45号、GD20261126001）",
    ),
]
Limit = Annotated[int, Query(ge=1, le=500)]


@router.get(
    "/applications", response_model=ApplicationList, summary="本单位辖区岗亭的办件（按时间倒序）"
)
def applications(ctx: ContextDep, actor: ActorDep, limit: Limit = 100) -> dict[str, Any]:
    return run_read(ctx, lambda uow: supervision.list_applications(uow, actor, limit))


@router.get(
    "/audit",
    response_model=AuditEntries,
    summary="本单位辖区岗亭与人员的审计记录（督察及以上；系统记录仅管理员）",
)
def audit_entries(
    ctx: ContextDep, actor: ActorDep, limit: Limit = 100, action: str | None = None
) -> dict[str, Any]:
    return run_read(ctx, lambda uow: supervision.list_audit_entries(uow, actor, limit, action))


@router.get(
    "/citizens/{id_number}",
    response_model=CitizenLookup,
    responses=error_responses(404),
    summary="查询公民信息（须填写事由；默认脱敏）",
)
def citizen(
    id_number: str, reason: Reason, ctx: ContextDep, actor: ActorDep, reveal: bool = False
) -> dict[str, Any]:
    return run_read(
        ctx, lambda uow: supervision.look_up_citizen(uow, actor, id_number, reason, reveal=reveal)
    )
