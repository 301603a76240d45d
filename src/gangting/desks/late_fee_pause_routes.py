"""Staff business on penalty decisions over HTTP: pausing the late fee during review or
litigation (the use case: desks.late_fee_pauses). Paying at the booth is the payment desk.

A pause takes two keys (desks.two_keys): the supervisor's request is checked as if it were
registered now and answered 202 with the pending approval; a second supervisor with
jurisdiction registers it by approving it (POST /api/v1/staff/approvals/{id}/approve)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.approvals.rules import ApprovalKind
from gangting.approvals.schemas import ApprovalView
from gangting.contracts import Request
from gangting.desks import two_keys
from gangting.fines.rules import CASE_NO_EXAMPLES, CASE_NO_MAX_LENGTH
from gangting.staff.service import require_role
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.openapi import error_responses
from gangting.web.staff_writes import post_write

staff_router = APIRouter(prefix="/api/v1/staff", tags=["督察 supervision"])


class LateFeePause(Request):
    kind: str = Field(
        pattern="^(review|litigation)$", description="review 行政复议 | litigation 行政诉讼"
    )
    start: date = Field(description="开始日期：不早于处罚决定作出之日，不晚于今天")
    end: date | None = Field(
        default=None,
        description="结束日期（不晚于今天起 GANGTING_LATE_FEE_PAUSE_MAX_DAYS 天；为空：尚未结束）",
    )
    case_no: str = Field(
        max_length=CASE_NO_MAX_LENGTH,
        description=f"行政复议或行政诉讼案号，如{CASE_NO_EXAMPLES}；结束期间时须与开始时一致",
    )


@staff_router.post(
    "/decisions/{decision_no}/late-fee-pauses",
    status_code=202,
    response_model=ApprovalView,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="申请登记行政复议/诉讼期间（期间不计加处罚款；督察及以上，限本单位辖区；"
    "须另一名有管辖权的督察审批后生效）",
)
def pause_late_fee(
    decision_no: str,
    body: LateFeePause,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    require_role(actor, "supervisor")
    payload = {"decision_no": decision_no, **body.model_dump(mode="json")}
    return post_write(
        ctx,
        actor,
        key,
        f"/staff/decisions/{decision_no}/late-fee-pauses",
        body,
        lambda uow: two_keys.request(
            uow, actor, ApprovalKind.LATE_FEE_PAUSE, payload, ctx.settings
        ),
        action="pause_late_fee",
        status=202,
    )
