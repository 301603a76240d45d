"""Study deductions (学法减分)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.points.deduction import record_study_deduction
from gangting.web.booth_write import citizen_write
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey, IdentityTokenHeader
from gangting.web.schemas import Request

router = APIRouter(prefix="/api/v1/points", tags=["学法减分 points"])


class StudyDeductionRequest(Request):
    study_ref: str = Field(min_length=4, max_length=64, description="学习平台的学习记录编号")


@router.post("/study-deduction", summary="学法减分：登记学习平台的合格记录")
def study_deduction(
    body: StudyDeductionRequest,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
    identity: IdentityTokenHeader = None,
) -> JSONResponse:
    return citizen_write(
        ctx,
        actor,
        key,
        identity,
        "/points/study-deduction",
        body,
        lambda uow, citizen: record_study_deduction(
            uow, actor, citizen, body.study_ref, ctx.learning
        ),
        service_item="study_deduction",
    )
