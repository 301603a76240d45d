"""Log-in for staff (booth devices: gangting.booths.routes)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from gangting.contracts import Request
from gangting.staff import service
from gangting.staff.schemas import TokenAnswer
from gangting.web.deps import ContextDep
from gangting.web.openapi import error_responses
from gangting.web.writes import run_recording_refusals

router = APIRouter(prefix="/api/v1/auth", tags=["登录 auth"])


class StaffLogin(Request):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


@router.post(
    "/staff",
    response_model=TokenAnswer,
    responses=error_responses(401, 422),
    summary="民警/督察/管理员登录",
)
def login_staff(body: StaffLogin, ctx: ContextDep) -> dict[str, Any]:
    token = run_recording_refusals(
        ctx,
        lambda uow: service.login_staff(
            uow, body.username, body.password, ctx.settings.staff_token_ttl_s
        ),
        lambda uow, error: service.record_login_failed(uow, body.username, error),
    )
    return {"access_token": token, "token_type": "bearer"}
