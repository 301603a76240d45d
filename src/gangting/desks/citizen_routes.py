"""What the verified citizen sees at the booth (all reads need the identity token)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gangting.desks import overview as service
from gangting.desks.booth_call import BoothReadDep
from gangting.desks.schemas import LicenceSummary, MyVehicles, MyViolations, VehicleSummary
from gangting.desks.transaction import fine_settings, inspection_policy
from gangting.web.openapi import error_responses

router = APIRouter(
    prefix="/api/v1/me", tags=["查询 query"], responses=error_responses(401, 403, 422)
)


@router.get("/licence", response_model=LicenceSummary, summary="本人驾驶证状态与本周期记分")
def my_licence(call: BoothReadDep) -> Any:
    return call.read(service.licence_summary)


@router.get(
    "/violations", response_model=MyViolations, summary="本人名下未处理违法与未缴罚款（含加处罚款）"
)
def my_violations(call: BoothReadDep) -> Any:
    policy = fine_settings(call.ctx).policy
    return call.read(lambda uow, citizen: service.violations_of_citizen(uow, citizen, policy))


@router.get("/vehicles", response_model=MyVehicles, summary="本人名下机动车")
def my_vehicles(call: BoothReadDep) -> Any:
    return call.read(lambda uow, citizen: {"plates": service.vehicles_of(uow, citizen)})


@router.get(
    "/vehicles/{plate}",
    response_model=VehicleSummary,
    responses=error_responses(404),
    summary="本人机动车的违法与检验状态",
)
def my_vehicle(plate: str, call: BoothReadDep) -> Any:
    policy = inspection_policy(call.ctx)
    return call.read(lambda uow, citizen: service.vehicle_summary(uow, citizen, plate, policy))
