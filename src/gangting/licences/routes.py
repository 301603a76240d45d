"""Licence business: renewal, replacement, the 70+ health certificate."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.licences import service
from gangting.web.booth_write import citizen_write
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey, IdentityTokenHeader
from gangting.web.schemas import Request

router = APIRouter(prefix="/api/v1/licences", tags=["驾驶证 licences"])


class Certificate(Request):
    certificate_no: str = Field(min_length=4, max_length=40, description="身体条件证明编号")
    institution: str = Field(min_length=2, max_length=128, description="出具机构")
    issued_on: date


class Renewal(Request):
    health_certificate: Certificate


class Replacement(Request):
    reason: str = Field(default="lost", pattern="^(lost|damaged)$")


@router.post("/renewal", summary="期满换证")
def renew(
    body: Renewal,
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
        "/licences/renewal",
        body,
        lambda uow, citizen: service.renew_licence(
            uow, actor, citizen, body.health_certificate.model_dump()
        ),
        service_item="renewal",
    )


@router.post("/replacement", summary="遗失补领驾驶证")
def replace(
    body: Replacement,
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
        "/licences/replacement",
        body,
        lambda uow, citizen: service.replace_licence(uow, actor, citizen),
        service_item="replacement",
    )


@router.post("/health-certificate", summary="年满70周岁驾驶人提交年度身体条件证明")
def health_certificate(
    body: Certificate,
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
        "/licences/health-certificate",
        body,
        lambda uow, citizen: service.submit_health_certificate(
            uow, actor, citizen, body.model_dump()
        ),
        service_item="health_certificate",
    )
