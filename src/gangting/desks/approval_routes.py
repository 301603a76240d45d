"""Staff API of the two keys (maker–checker): the approvals within one's jurisdiction, and a
second supervisor's decision on one (approve: the act is executed at once; reject: with a
reason). Writes are idempotent by key; every step is in the audit log."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.approvals import service as approvals
from gangting.approvals.errors import ApprovalExpired
from gangting.approvals.rules import ApprovalState
from gangting.approvals.schemas import ApprovalList, ApprovalView
from gangting.contracts import Request
from gangting.desks import two_keys
from gangting.kernel.actor import Actor
from gangting.kernel.errors import DomainError
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.openapi import error_responses
from gangting.web.staff_writes import post_write
from gangting.web.writes import run_read

router = APIRouter(
    prefix="/api/v1/staff/approvals",
    tags=["双人复核 two keys"],
    responses=error_responses(401, 403, 422),
)

_STATES = "^(" + "|".join(s.value for s in ApprovalState) + ")$"


class Approve(Request):
    note: str | None = Field(default=None, max_length=500, description="审批意见（可选）")


class Reject(Request):
    note: str = Field(max_length=500, description="驳回理由（至少2个字）")


@router.get("", response_model=ApprovalList, summary="本单位辖区内的双人复核审批（按申请时间倒序）")
def list_approvals(
    ctx: ContextDep,
    actor: ActorDep,
    state: Annotated[str | None, Query(pattern=_STATES)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    def work(uow: UnitOfWork) -> dict[str, Any]:
        found = approvals.list_approvals(
            uow, actor, state=ApprovalState(state) if state else None, limit=limit
        )
        now = uow.clock.now()
        return {"approvals": [approvals.approval_view(a, now) for a in found]}

    return run_read(ctx, work)


@router.get(
    "/{approval_id}",
    response_model=ApprovalView,
    responses=error_responses(404),
    summary="一条双人复核审批",
)
def get_approval(approval_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    return run_read(
        ctx,
        lambda uow: approvals.approval_view(
            approvals.get_approval(uow, actor, approval_id), uow.clock.now()
        ),
    )


def _record_refusal(approval_id: uuid.UUID, actor: Actor, verb: str) -> Any:
    """A refused decision is an audit entry on the approval's trail (``approval.refused``:
    who, which verb, which error), and a checker who finds the request expired records its
    expiry; both in the refusal's own unit of work, since the refused decision's rolls back.
    (Malformed input, 422, is answered only, as every write's.)"""

    def on_refusal(uow: UnitOfWork, exc: DomainError) -> None:
        if isinstance(exc, ApprovalExpired):
            approvals.expire_one(uow, approval_id, noticed_by=actor.name)
        approvals.record_refused(uow, actor, approval_id, verb, exc)

    return on_refusal


@router.post(
    "/{approval_id}/approve",
    response_model=ApprovalView,
    responses=error_responses(404, 409),
    summary="批准并执行（督察及以上，限本单位辖区，不能审批本人的申请）",
)
def approve(
    approval_id: uuid.UUID,
    body: Approve,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    answer = post_write(
        ctx,
        actor,
        key,
        f"/staff/approvals/{approval_id}/approve",
        body,
        lambda uow: two_keys.approve(uow, actor, approval_id, body.note, ctx.settings),
        action="approve_approval",
        on_refusal=_record_refusal(approval_id, actor, "approve"),
    )
    return answer


@router.post(
    "/{approval_id}/reject",
    response_model=ApprovalView,
    responses=error_responses(404, 409),
    summary="驳回（督察及以上，限本单位辖区，须填写理由）",
)
def reject(
    approval_id: uuid.UUID,
    body: Reject,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return post_write(
        ctx,
        actor,
        key,
        f"/staff/approvals/{approval_id}/reject",
        body,
        lambda uow: two_keys.reject(uow, actor, approval_id, body.note),
        action="reject_approval",
        on_refusal=_record_refusal(approval_id, actor, "reject"),
    )
