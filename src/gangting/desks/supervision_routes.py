"""Supervision over HTTP: parse, call the supervision desk, render. A reveal of a citizen
outside one's unit takes two keys (docs/decisions/0012): ``POST /citizen-reveals`` asks
(202, a pending approval), a checker approves it (``/approvals/{id}/approve``), and the
maker collects the data once (``POST /citizen-reveals/{id}/collect``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.approvals import service as approvals
from gangting.approvals.rules import ApprovalKind
from gangting.approvals.schemas import ApprovalView
from gangting.contracts import Request
from gangting.desks import supervision, two_keys
from gangting.desks.schemas import ApplicationList, AuditEntries, CitizenLookup
from gangting.kernel.errors import DomainError
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.service import require_role
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.openapi import Answer, error_responses
from gangting.web.staff_writes import post_write
from gangting.web.writes import run_read, run_recording_refusals

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
    summary="查询公民信息（须填写事由；默认脱敏；reveal=true 仅限本单位辖区内有办理记录的公民，"
    "其他须双人复核：POST /api/v1/staff/citizen-reveals）",
)
def citizen(
    id_number: str, reason: Reason, ctx: ContextDep, actor: ActorDep, reveal: bool = False
) -> dict[str, Any]:
    return run_recording_refusals(
        ctx,
        lambda uow: supervision.look_up_citizen(uow, actor, id_number, reason, reveal=reveal),
        lambda uow, error: supervision.record_reveal_refused(uow, actor, id_number, reason, error),
    )


class RevealRequest(Request):
    id_number: str = Field(max_length=32, description="公民身份号码")
    reason: str = Field(
        max_length=200,
        description="查询事由（至少4个汉字、字母或数字，须注明案号或工单号，"
        "如（2026）内0203行初45号、GD20261126001）",
    )


class CollectedReveal(Answer):
    id_number: str
    name: str
    phone: str | None
    masked: bool = Field(description="恒为 false：完整信息，仅此一次")
    approval: str = Field(description="所依据的审批")


@router.post(
    "/citizen-reveals",
    status_code=202,
    response_model=ApprovalView,
    responses=error_responses(404),
    summary="申请查看公民完整信息（双人复核：督察及以上申请，另一名对本单位有管辖权的督察审批；"
    "审批通过后申请人可查看一次）",
)
def request_reveal(
    body: RevealRequest, ctx: ContextDep, actor: ActorDep, key: IdempotencyKey = None
) -> JSONResponse:
    require_role(actor, "supervisor")

    def work(uow: UnitOfWork) -> dict[str, Any]:
        payload = supervision.reveal_request(uow, actor, body.id_number, body.reason)
        return two_keys.request(uow, actor, ApprovalKind.CITIZEN_REVEAL, payload, ctx.settings)

    return post_write(
        ctx, actor, key, "/staff/citizen-reveals", body, work, action="reveal_citizen", status=202
    )


def _record_collect_refused(actor: Any, approval_id: uuid.UUID) -> Any:
    def on_refusal(uow: UnitOfWork, error: DomainError) -> None:
        approvals.record_refused(uow, actor, approval_id, "collect", error)

    return on_refusal


@router.post(
    "/citizen-reveals/{approval_id}/collect",
    response_model=CollectedReveal,
    responses=error_responses(404, 409),
    summary="查看已批准的公民完整信息（仅申请人本人，仅一次，记录在案；不使用幂等键：应答不留存）",
)
def collect_reveal(approval_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    return run_recording_refusals(
        ctx,
        lambda uow: supervision.collect_reveal(uow, actor, approval_id),
        _record_collect_refused(actor, approval_id),
    )
