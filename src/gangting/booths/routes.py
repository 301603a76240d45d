"""Log-in for booth devices (their own secrets)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from gangting.booths.credentials import login_booth as login
from gangting.booths.credentials import record_login_failed
from gangting.contracts import Request
from gangting.staff.schemas import TokenAnswer
from gangting.web.deps import ContextDep
from gangting.web.openapi import error_responses
from gangting.web.writes import run_recording_refusals

router = APIRouter(prefix="/api/v1/auth", tags=["登录 auth"])


class BoothLogin(Request):
    booth_code: str = Field(min_length=1, max_length=32)
    secret: str = Field(min_length=1, max_length=128)


@router.post(
    "/booth",
    response_model=TokenAnswer,
    responses=error_responses(401, 422),
    summary="岗亭设备登录",
)
def login_booth(body: BoothLogin, ctx: ContextDep) -> dict[str, Any]:
    token = run_recording_refusals(
        ctx,
        lambda uow: login(uow, body.booth_code, body.secret, ctx.settings.staff_token_ttl_s),
        lambda uow, error: record_login_failed(uow, body.booth_code, error),
    )
    return {"access_token": token, "token_type": "bearer"}
