"""Log-in for staff (booth devices: gangting.booths.routes), and the log-in edge both share:
the source address and the throttle's 429 with ``Retry-After``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi import Request as HttpRequest
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.contracts import Request
from gangting.kernel.errors import DomainError
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff import service
from gangting.staff.errors import LoginThrottled
from gangting.staff.schemas import TokenAnswer
from gangting.staff.throttle import Limits
from gangting.web.deps import ContextDep
from gangting.web.openapi import ErrorBody, error_responses
from gangting.web.writes import run_recording_refusals

router = APIRouter(prefix="/api/v1/auth", tags=["登录 auth"])
LOGIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    **error_responses(401, 422),
    429: {"model": ErrorBody, "description": "登录失败次数过多，暂被锁定（Retry-After 秒后再试）"},
}


def source_address(request: HttpRequest) -> str | None:
    """The caller's address as the server sees it (behind a reverse proxy, run uvicorn with
    ``--proxy-headers --forwarded-allow-ips`` so that this is the client's, not the proxy's)."""
    return request.client.host if request.client is not None else None


def run_login(
    ctx: ContextDep,
    work: Callable[[UnitOfWork], str],
    on_refusal: Callable[[UnitOfWork, DomainError], None],
) -> dict[str, Any] | JSONResponse:
    """One log-in: its token, or its refusal recorded; a throttled one answers 429 with
    ``Retry-After``."""
    try:
        token = run_recording_refusals(ctx, work, on_refusal)
    except LoginThrottled as exc:
        wait = int(exc.data.get("retry_after_s", 60))
        return JSONResponse(exc.to_dict(), status_code=429, headers={"Retry-After": str(wait)})
    return {"access_token": token, "token_type": "bearer"}


class StaffLogin(Request):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


@router.post(
    "/staff",
    response_model=TokenAnswer,
    responses=LOGIN_RESPONSES,
    summary="民警/督察/管理员登录",
)
def login_staff(body: StaffLogin, request: HttpRequest, ctx: ContextDep) -> Any:
    attempt = service.staff_attempt(body.username, source_address(request), Limits.of(ctx.settings))
    return run_login(
        ctx,
        lambda uow: service.login_staff(
            uow, body.username, body.password, ctx.settings.staff_token_ttl_s, attempt
        ),
        lambda uow, error: service.record_login_failed(uow, body.username, error, attempt),
    )
