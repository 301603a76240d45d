"""Log-in for booth devices (their own secrets), throttled like staff log-ins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi import Request as HttpRequest
from pydantic import Field

from gangting.booths.credentials import booth_attempt, record_login_failed
from gangting.booths.credentials import login_booth as login
from gangting.contracts import Request
from gangting.staff.routes import LOGIN_RESPONSES, run_login, source_address
from gangting.staff.schemas import TokenAnswer
from gangting.staff.service import LoggedIn
from gangting.staff.throttle import Limits
from gangting.web.deps import ContextDep

router = APIRouter(prefix="/api/v1/auth", tags=["登录 auth"])


class BoothLogin(Request):
    booth_code: str = Field(min_length=1, max_length=32)
    secret: str = Field(min_length=1, max_length=128)


@router.post(
    "/booth",
    response_model=TokenAnswer,
    responses=LOGIN_RESPONSES,
    summary="岗亭设备登录",
)
def login_booth(body: BoothLogin, request: HttpRequest, ctx: ContextDep) -> Any:
    attempt = booth_attempt(body.booth_code, source_address(request), Limits.of(ctx.settings))
    return run_login(
        ctx,
        lambda uow: LoggedIn(
            login(uow, body.booth_code, body.secret, ctx.settings.booth_token_ttl_s, attempt),
            "not_required",
        ),
        lambda uow, error: record_login_failed(uow, body.booth_code, error, attempt),
        ctx.settings.booth_token_ttl_s,
    )
