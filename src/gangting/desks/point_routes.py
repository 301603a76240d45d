"""Study deductions (学法减分) and full-score clearance (满分清除, 记分办法 第23条)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gangting.contracts import StudyDeductionRequest
from gangting.desks.booth_call import BoothCallDep
from gangting.desks.full_score import clear_full_score
from gangting.desks.schemas import FullScoreClearanceAnswer, StudyDeductionAnswer
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


@router.post(
    "/full-score/clearance",
    response_model=FullScoreClearanceAnswer,
    responses=error_responses(401, 403, 404, 409, 422, 503),
    summary="满分学习、考试合格且罚款已缴纳：清除记分、发还驾驶证",
)
def full_score_clearance(call: BoothCallDep) -> JSONResponse:
    return call.write(
        "/points/full-score/clearance",
        None,
        lambda uow, citizen: clear_full_score(uow, call.actor, citizen, call.ctx.learning),
        service_item="full_score_clearance",
    )
