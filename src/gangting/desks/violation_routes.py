"""Processing camera-recorded violations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gangting.contracts import ProcessViolations
from gangting.desks.booth_call import BoothCallDep, BoothReadDep
from gangting.desks.schemas import ProcessAnswer, ViolationPreview
from gangting.desks.transaction import fine_settings
from gangting.violations import service
from gangting.web.openapi import error_responses

router = APIRouter(
    prefix="/api/v1/violations",
    tags=["违法处理 violations"],
    responses=error_responses(401, 403, 404, 422),
)


@router.post(
    "/preview",
    response_model=ViolationPreview,
    summary="预览处理结果：记分、罚款、缴款期限、不予处理的理由（不写入）",
)
def preview(body: ProcessViolations, call: BoothReadDep) -> Any:
    return call.read(
        lambda uow, citizen: service.preview_violations(
            uow, citizen, list(dict.fromkeys(body.violation_refs)), fine_settings(call.ctx)
        )
    )


@router.post(
    "/process",
    response_model=ProcessAnswer,
    responses=error_responses(409),
    summary="确认违法并作出处罚决定（记分随决定记录）",
)
def process(
    body: ProcessViolations,
    call: BoothCallDep,
) -> JSONResponse:
    return call.write(
        "/violations/process",
        body,
        lambda uow, citizen: service.process_violations(
            uow,
            call.actor,
            citizen,
            list(dict.fromkeys(body.violation_refs)),
            fine_settings(call.ctx),
        ),
        service_item="process_violations",
    )
