"""Study deductions (学法减分)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gangting.contracts import StudyDeductionRequest
from gangting.desks.booth_call import BoothCallDep
from gangting.desks.schemas import StudyDeductionAnswer
from gangting.desks.study_deduction import record_study_deduction
from gangting.web.openapi import error_responses

router = APIRouter(prefix="/api/v1/points", tags=["学法减分 points"])


@router.post(
    "/study-deduction",
    response_model=StudyDeductionAnswer,
    responses=error_responses(401, 403, 404, 409, 422, 503),
    summary="学法减分：登记学习平台的合格记录",
)
def study_deduction(
    body: StudyDeductionRequest,
    call: BoothCallDep,
) -> JSONResponse:
    return call.write(
        "/points/study-deduction",
        body,
        lambda uow, citizen: record_study_deduction(
            uow, call.actor, citizen, body.study_ref, call.ctx.learning
        ),
        service_item="study_deduction",
    )
