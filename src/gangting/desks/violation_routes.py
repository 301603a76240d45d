"""Processing camera-recorded violations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gangting.contracts import ProcessViolations
from gangting.desks.schemas import ProcessAnswer, ViolationPreview
from gangting.desks.transaction import citizen_write, fine_settings
from gangting.identity.service import resolve_citizen
from gangting.violations import service
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey, IdentityTokenHeader
from gangting.web.openapi import error_responses
from gangting.web.writes import run_read

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
def preview(
    body: ProcessViolations,
    ctx: ContextDep,
    actor: ActorDep,
    identity: IdentityTokenHeader = None,
) -> Any:
    return run_read(
        ctx,
        lambda uow: service.preview_violations(
            uow,
            resolve_citizen(uow, actor, identity),
            list(dict.fromkeys(body.violation_refs)),
            fine_settings(ctx),
        ),
    )


@router.post(
    "/process",
    response_model=ProcessAnswer,
    responses=error_responses(409),
    summary="确认违法并作出处罚决定（记分随决定记录）",
)
def process(
    body: ProcessViolations,
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
        "/violations/process",
        body,
        lambda uow, citizen: service.process_violations(
            uow, actor, citizen, list(dict.fromkeys(body.violation_refs)), fine_settings(ctx)
        ),
        service_item="process_violations",
    )
