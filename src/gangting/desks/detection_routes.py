"""Detection cases over HTTP (supervisors and up, within their unit): the review queue, one
case, its evidence trail (``desks.detection_evidence``), and the verdict. Parse, call
``detection.service``, render."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.contracts import Request
from gangting.desks.detection_evidence import case_trail
from gangting.desks.detection_schemas import CaseList, CaseTrail, CaseView, VerdictAnswer
from gangting.detection import service
from gangting.detection.rules import NOTE_MAX_LENGTH, CaseState, Pattern, Verdict
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.openapi import error_responses
from gangting.web.staff_writes import post_write
from gangting.web.writes import run_read

router = APIRouter(
    prefix="/api/v1/staff",
    tags=["督察 supervision"],
    responses=error_responses(401, 403, 422),
)


class VerdictBody(Request):
    verdict: Verdict = Field(description="confirmed 属实 | false_alarm 误报")
    note: str | None = Field(
        default=None,
        max_length=NOTE_MAX_LENGTH,
        description="说明（误报时必填：为何不属实）",
    )


@router.get(
    "/cases",
    response_model=CaseList,
    summary="本单位辖区的检测线索（督察及以上；按强度排序）",
)
def cases(
    ctx: ContextDep,
    actor: ActorDep,
    state: CaseState | None = None,
    pattern: Pattern | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    return run_read(
        ctx, lambda uow: service.list_cases(uow, actor, state=state, pattern=pattern, limit=limit)
    )


@router.get(
    "/cases/{case_id}",
    response_model=CaseView,
    responses=error_responses(404),
    summary="一条检测线索：理由、数字与依据的记录",
)
def case(case_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    return run_read(ctx, lambda uow: service.get_case(uow, actor, case_id))


@router.get(
    "/cases/{case_id}/trail",
    response_model=CaseTrail,
    responses=error_responses(404),
    summary="一条检测线索的证据链：办件、决定书与记分、人证核验、审计记录",
)
def trail(case_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    return run_read(ctx, lambda uow: case_trail(uow, actor, case_id))


@router.post(
    "/cases/{case_id}/verdict",
    response_model=VerdictAnswer,
    responses=error_responses(404, 409),
    summary="核查结论：属实或误报（督察及以上，限本单位辖区；误报须说明）",
)
def verdict(
    case_id: uuid.UUID,
    body: VerdictBody,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return post_write(
        ctx,
        actor,
        key,
        f"/staff/cases/{case_id}/verdict",
        body,
        lambda uow: service.set_verdict(uow, actor, case_id, body.verdict, body.note),
        action="detection_verdict",
    )
