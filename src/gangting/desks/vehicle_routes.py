"""Vehicle business: the inspection mark of an inspection-exempt vehicle, and the reissue of
a lost or damaged mark."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gangting.contracts import MarkReissueRequest, MarkRequest
from gangting.desks.booth_call import BoothCallDep
from gangting.desks.schemas import InspectionMarkAnswer, MarkReissueAnswer
from gangting.desks.transaction import inspection_policy
from gangting.vehicles import service
from gangting.violations.service import unprocessed_violation_count
from gangting.web.openapi import error_responses

router = APIRouter(prefix="/api/v1/vehicles", tags=["机动车 vehicles"])


@router.post(
    "/inspection-mark",
    response_model=InspectionMarkAnswer,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="免检车辆申领电子检验合格标志",
)
def inspection_mark(
    body: MarkRequest,
    call: BoothCallDep,
) -> JSONResponse:
    return call.write(
        "/vehicles/inspection-mark",
        body,
        lambda uow, citizen: service.issue_inspection_mark(
            uow,
            call.actor,
            citizen,
            body.plate,
            inspection_policy(call.ctx),
            unprocessed_violation_count,
        ),
        service_item="inspection_mark",
    )


@router.post(
    "/inspection-mark/reissue",
    response_model=MarkReissueAnswer,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="补领、换领检验合格标志（丢失或损毁；交强险有效的当日补发）",
)
def reissue_inspection_mark(
    body: MarkReissueRequest,
    call: BoothCallDep,
) -> JSONResponse:
    return call.write(
        "/vehicles/inspection-mark/reissue",
        body,
        lambda uow, citizen: service.reissue_inspection_mark(
            uow, call.actor, citizen, body.plate, body.reason
        ),
        service_item="inspection_mark_reissue",
    )
