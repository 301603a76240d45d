"""What the verified citizen sees at the booth (all reads need the identity token)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gangting.desks import overview as service
from gangting.desks.schemas import LicenceSummary, MyVehicles, MyViolations, VehicleSummary
from gangting.desks.transaction import fine_settings, inspection_policy
from gangting.identity.service import resolve_citizen
from gangting.web.deps import ActorDep, ContextDep, IdentityTokenHeader
from gangting.web.openapi import error_responses
from gangting.web.writes import run_read

router = APIRouter(
    prefix="/api/v1/me", tags=["查询 query"], responses=error_responses(401, 403, 422)
)


@router.get("/licence", response_model=LicenceSummary, summary="本人驾驶证状态与本周期记分")
def my_licence(ctx: ContextDep, actor: ActorDep, identity: IdentityTokenHeader = None) -> Any:
    return run_read(
        ctx, lambda uow: service.licence_summary(uow, resolve_citizen(uow, actor, identity))
    )


@router.get(
    "/violations", response_model=MyViolations, summary="本人名下未处理违法与未缴罚款（含加处罚款）"
)
def my_violations(ctx: ContextDep, actor: ActorDep, identity: IdentityTokenHeader = None) -> Any:
    return run_read(
        ctx,
        lambda uow: service.violations_of_citizen(
            uow, resolve_citizen(uow, actor, identity), fine_settings(ctx).policy
        ),
    )


@router.get("/vehicles", response_model=MyVehicles, summary="本人名下机动车")
def my_vehicles(ctx: ContextDep, actor: ActorDep, identity: IdentityTokenHeader = None) -> Any:
    return run_read(
        ctx, lambda uow: {"plates": service.vehicles_of(uow, resolve_citizen(uow, actor, identity))}
    )


@router.get(
    "/vehicles/{plate}",
    response_model=VehicleSummary,
    responses=error_responses(404),
    summary="本人机动车的违法与检验状态",
)
def my_vehicle(
    plate: str, ctx: ContextDep, actor: ActorDep, identity: IdentityTokenHeader = None
) -> Any:
    return run_read(
        ctx,
        lambda uow: service.vehicle_summary(
            uow, resolve_citizen(uow, actor, identity), plate, inspection_policy(ctx)
        ),
    )
