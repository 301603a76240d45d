"""Licence business: renewal, replacement, the 70+ health certificate, the driver review
(审验) and the 70+ ability test (三力测试), from the booth and, for the test, an operator."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy import select

from gangting.citizens.models import Citizen
from gangting.contracts import Certificate, CognitiveTestRequest, Renewal, Replacement, Request
from gangting.desks import driver_review
from gangting.desks.booth_call import BoothCallDep
from gangting.desks.schemas import (
    CognitiveTestAnswer,
    DriverReviewAnswer,
    HealthCertificateAnswer,
    LicenceAnswer,
)
from gangting.integrations.cognitive_test import CognitiveTestResult
from gangting.kernel.errors import NotFound
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.licences import service
from gangting.staff.service import require_role
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.openapi import error_responses
from gangting.web.staff_writes import post_write

router = APIRouter(
    prefix="/api/v1/licences",
    tags=["驾驶证 licences"],
    responses=error_responses(401, 403, 404, 409, 422),
)


@router.post("/renewal", response_model=LicenceAnswer, summary="期满换证")
def renew(
    body: Renewal,
    call: BoothCallDep,
) -> JSONResponse:
    return call.write(
        "/licences/renewal",
        body,
        lambda uow, citizen: service.renew_licence(
            uow, call.actor, citizen, body.health_certificate.model_dump()
        ),
        service_item="renewal",
    )


@router.post("/replacement", response_model=LicenceAnswer, summary="遗失补领驾驶证")
def replace(
    body: Replacement,
    call: BoothCallDep,
) -> JSONResponse:
    return call.write(
        "/licences/replacement",
        body,
        lambda uow, citizen: service.replace_licence(uow, call.actor, citizen),
        service_item="replacement",
    )


@router.post(
    "/health-certificate",
    response_model=HealthCertificateAnswer,
    summary="年满70周岁驾驶人提交年度身体条件证明",
)
def health_certificate(
    body: Certificate,
    call: BoothCallDep,
) -> JSONResponse:
    return call.write(
        "/licences/health-certificate",
        body,
        lambda uow, citizen: service.submit_health_certificate(
            uow, call.actor, citizen, body.model_dump()
        ),
        service_item="health_certificate",
    )


@router.post(
    "/cognitive-test",
    response_model=CognitiveTestAnswer,
    summary="登记70周岁以上驾驶人的三力测试结果（测试设备）",
)
def cognitive_test(
    body: CognitiveTestRequest,
    call: BoothCallDep,
) -> JSONResponse:
    return call.write(
        "/licences/cognitive-test",
        body,
        lambda uow, citizen: driver_review.record_cognitive_test(
            uow, call.actor, citizen, body.test_ref, call.ctx.cognitive_tests
        ),
        service_item="cognitive_test",
    )


@router.post(
    "/review",
    response_model=DriverReviewAnswer,
    summary="驾驶人审验（上一记分周期）",
)
def review(call: BoothCallDep) -> JSONResponse:
    return call.write(
        "/licences/review",
        None,
        lambda uow, citizen: driver_review.complete_review(
            uow, call.actor, citizen, call.ctx.learning
        ),
        service_item="driver_review",
    )


staff_router = APIRouter(prefix="/api/v1/staff", tags=["驾驶证 licences"])


class OperatorCognitiveTest(Request):
    id_number: str = Field(min_length=18, max_length=18, description="驾驶人身份证号码")
    test_ref: str = Field(min_length=4, max_length=64, description="纸质测试记录编号")
    taken_on: date = Field(description="测试日期")
    memory_passed: bool = Field(description="记忆力测试通过")
    judgement_passed: bool = Field(description="判断力测试通过")
    reaction_passed: bool = Field(description="反应力测试通过")


class CitizenNotFound(NotFound):
    code = "citizens.not_found"


def _citizen(uow: UnitOfWork, id_number: str) -> Citizen:
    citizen = uow.session.execute(
        select(Citizen).where(Citizen.id_number == id_number.upper())
    ).scalar_one_or_none()
    if citizen is None:
        raise CitizenNotFound("未查询到该驾驶人")
    return citizen


@staff_router.post(
    "/cognitive-tests",
    response_model=CognitiveTestAnswer,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="民警登记70周岁以上驾驶人的三力测试结果（测试设备无法上传时）",
)
def operator_cognitive_test(
    body: OperatorCognitiveTest,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    require_role(actor, "officer")
    entered = CognitiveTestResult(
        ref=body.test_ref,
        id_number=body.id_number.upper(),
        taken_on=body.taken_on,
        memory_passed=body.memory_passed,
        judgement_passed=body.judgement_passed,
        reaction_passed=body.reaction_passed,
    )
    return post_write(
        ctx,
        actor,
        key,
        "/staff/cognitive-tests",
        body,
        lambda uow: driver_review.record_cognitive_test(
            uow, actor, _citizen(uow, body.id_number), body.test_ref, None, entered=entered
        ),
        action="cognitive_test",
    )
