"""Vehicle business: the inspection mark of an inspection-exempt vehicle."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.vehicles import service
from gangting.web.booth_write import citizen_write
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey, IdentityTokenHeader
from gangting.web.schemas import Request

router = APIRouter(prefix="/api/v1/vehicles", tags=["机动车 vehicles"])


class MarkRequest(Request):
    plate: str = Field(min_length=7, max_length=12, description="号牌号码，如 蒙B·12345")


@router.post("/inspection-mark", summary="免检车辆申领电子检验合格标志")
def inspection_mark(
    body: MarkRequest,
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
        "/vehicles/inspection-mark",
        body,
        lambda uow, citizen: service.issue_inspection_mark(
            uow, actor, citizen, body.plate, ctx.inspection_policy
        ),
        service_item="inspection_mark",
    )
