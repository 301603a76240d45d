"""Licence business: renewal, replacement, the 70+ health certificate."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gangting.contracts import Certificate, Renewal, Replacement
from gangting.desks.booth_call import BoothCallDep
from gangting.desks.schemas import HealthCertificateAnswer, LicenceAnswer
from gangting.licences import service
from gangting.web.openapi import error_responses

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
