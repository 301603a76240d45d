"""Staff business on penalty decisions: pausing the late fee during review or litigation.
(Paying at the booth is the payment desk: gangting.desks.payment.)"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.contracts import Request
from gangting.fines import service
from gangting.fines.rules import FinePolicy
from gangting.fines.schemas import LateFeePauseAnswer
from gangting.staff.service import require_role
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.openapi import error_responses
from gangting.web.staff_writes import post_write

staff_router = APIRouter(prefix="/api/v1/staff", tags=["督察 supervision"])


class LateFeePause(Request):
    kind: str = Field(
        pattern="^(review|litigation)$", description="review 行政复议 | litigation 行政诉讼"
    )
    start: date
    end: date | None = None


@staff_router.post(
    "/decisions/{decision_no}/late-fee-pauses",
    response_model=LateFeePauseAnswer,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="登记行政复议/诉讼期间（期间不计加处罚款；督察及以上）",
)
def pause_late_fee(
    decision_no: str,
    body: LateFeePause,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    require_role(actor, "supervisor")
    return post_write(
        ctx,
        actor,
        key,
        f"/staff/decisions/{decision_no}/late-fee-pauses",
        body,
        lambda uow: service.pause_late_fee(
            uow, actor, decision_no, body.kind, body.start, body.end, FinePolicy()
        ),
        action="pause_late_fee",
    )
