"""人工布控 over HTTP: a manual watch-list entry takes two keys (desks.two_keys). The
supervisor's request is checked as if the entry were made now and answered 202 with the
pending approval; a second supervisor with jurisdiction over the owner's unit makes it by
approving it (POST /api/v1/staff/approvals/{id}/approve)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field

from gangting.approvals.rules import ApprovalKind
from gangting.approvals.schemas import ApprovalView
from gangting.contracts import Request
from gangting.desks import two_keys
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.openapi import error_responses
from gangting.web.staff_writes import post_write

router = APIRouter(prefix="/api/v1", tags=["缉查布控 watch-list"])


class ManualEntry(Request):
    plate: str = Field(min_length=1, max_length=12, description="号牌号码，如 蒙B·12345")
    reason: str = Field(max_length=200, description="布控事由（4至200字）")
    owner: str | None = Field(default=None, max_length=64, description="责任民警用户名")
    expires_at: AwareDatetime | None = Field(default=None, description="到期时间（带时区）")


@router.post(
    "/staff/watch-list",
    status_code=202,
    response_model=ApprovalView,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="申请人工布控（督察及以上；须另一名有管辖权的督察审批后生效）",
)
def add_manual_entry(
    body: ManualEntry, ctx: ContextDep, actor: ActorDep, key: IdempotencyKey = None
) -> JSONResponse:
    return post_write(
        ctx,
        actor,
        key,
        "/staff/watch-list",
        body,
        lambda uow: two_keys.request(
            uow,
            actor,
            ApprovalKind.WATCH_LIST_ENTRY,
            body.model_dump(mode="json"),
            ctx.settings,
        ),
        action="watch_list_add",
        status=202,
    )
