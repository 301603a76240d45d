"""Log-in for staff (booth devices: gangting.booths.routes), the staff session (log-out,
renewal, password change), and the log-in edge both share: the source address and the
throttle's 429 with ``Retry-After``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header
from fastapi import Request as HttpRequest
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.contracts import Request
from gangting.kernel.actor import Actor
from gangting.kernel.errors import DomainError
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff import service
from gangting.staff.errors import LoginThrottled
from gangting.staff.schemas import (
    Done,
    PasswordChanged,
    SessionRenewed,
    TokenAnswer,
    TotpEnrolled,
    TotpSecret,
)
from gangting.staff.throttle import Limits
from gangting.web.deps import ActorDep, ContextDep, bearer_token
from gangting.web.openapi import ErrorBody, error_responses
from gangting.web.writes import run_recording_refusals

router = APIRouter(prefix="/api/v1/auth", tags=["登录 auth"])
session_router = APIRouter(prefix="/api/v1/staff", tags=["登录 auth"])
T = TypeVar("T")
Authorization = Annotated[str | None, Header()]
LOGIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    **error_responses(401, 422),
    429: {"model": ErrorBody, "description": "登录失败次数过多，暂被锁定（Retry-After 秒后再试）"},
}


def enrolling_actor(ctx: ContextDep, authorization: Authorization = None) -> Actor:
    """The staff member of a session or an enrolment token (decision 0019): the routes that
    bind the second factor and log out take both; every other route refuses the latter."""
    token = bearer_token(authorization)
    with ctx.uow() as uow:
        return service.authenticate_enrolling(uow, token)


EnrollingActorDep = Annotated[Actor, Depends(enrolling_actor)]


def source_address(request: HttpRequest) -> str | None:
    """The caller's address as the server sees it (behind a reverse proxy, run uvicorn with
    ``--proxy-headers --forwarded-allow-ips`` so that this is the client's, not the proxy's)."""
    return request.client.host if request.client is not None else None


def run_throttled(
    ctx: ContextDep,
    work: Callable[[UnitOfWork], T],
    on_refusal: Callable[[UnitOfWork, DomainError], None],
) -> T | JSONResponse:
    """``work`` in its unit of work, its refusal recorded in another; a throttled one answers
    429 with ``Retry-After``."""
    try:
        return run_recording_refusals(ctx, work, on_refusal)
    except LoginThrottled as exc:
        wait = int(exc.data.get("retry_after_s", 60))
        return JSONResponse(exc.to_dict(), status_code=429, headers={"Retry-After": str(wait)})


def run_login(
    ctx: ContextDep,
    work: Callable[[UnitOfWork], service.LoggedIn],
    on_refusal: Callable[[UnitOfWork, DomainError], None],
    expires_in_s: int,
) -> dict[str, Any] | JSONResponse:
    """One log-in: its token, or its refusal recorded (429 with ``Retry-After`` when
    throttled)."""
    outcome = run_throttled(ctx, work, on_refusal)
    if isinstance(outcome, JSONResponse):
        return outcome
    return {
        "access_token": outcome.token,
        "token_type": "bearer",
        "expires_in_s": outcome.expires_in_s or expires_in_s,
        "second_factor": outcome.second_factor,
    }


class StaffLogin(Request):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)
    totp_code: str | None = Field(
        default=None,
        pattern=r"^[0-9]{6}$",
        description="动态验证码（已绑定的管理员、督察登录时必填；"
        "未填时服务端以 staff.totp_required 提示）",
    )


@router.post(
    "/staff",
    response_model=TokenAnswer,
    responses=LOGIN_RESPONSES,
    summary="民警/督察/管理员登录",
)
def login_staff(body: StaffLogin, request: HttpRequest, ctx: ContextDep) -> Any:
    attempt = service.staff_attempt(body.username, source_address(request), Limits.of(ctx.settings))
    settings = ctx.settings
    return run_login(
        ctx,
        lambda uow: service.log_in(
            uow,
            body.username,
            body.password,
            settings.staff_token_ttl_s,
            attempt,
            idle_s=settings.staff_session_idle_s,
            totp_code=body.totp_code,
            second_factor_roles=service.totp_roles(settings.staff_totp_roles),
            enrolment_ttl_s=settings.staff_enrolment_token_ttl_s,
        ),
        lambda uow, error: service.record_login_failed(uow, body.username, error, attempt),
        min(settings.staff_session_idle_s, settings.staff_token_ttl_s),
    )


@session_router.post(
    "/logout",
    response_model=Done,
    responses=error_responses(401, 422),
    summary="退出登录：本令牌立即失效",
)
def logout(ctx: ContextDep, actor: EnrollingActorDep, authorization: Authorization = None) -> Any:
    token = bearer_token(authorization)
    with ctx.uow() as uow:
        return service.logout(uow, actor, token)


@session_router.post(
    "/token/renew",
    response_model=SessionRenewed,
    responses=error_responses(401, 422),
    summary="会话续期：空闲时限重新计算（不超过会话最长时限）",
)
def renew(ctx: ContextDep, actor: ActorDep, authorization: Authorization = None) -> Any:
    token = bearer_token(authorization)
    with ctx.uow() as uow:
        return service.renew_session(uow, actor, token, ctx.settings.staff_session_idle_s)


class ChangePassword(Request):
    current_password: str = Field(min_length=1, max_length=128, description="当前密码")
    new_password: str = Field(
        min_length=1,
        max_length=128,
        description="新密码：至少12位，含大写字母、小写字母、数字、其他符号中的至少3类，"
        "不含用户名，不是常见密码",
    )


@session_router.post(
    "/password",
    response_model=PasswordChanged,
    responses={**LOGIN_RESPONSES, **error_responses(403)},
    summary="修改本人密码（本账号的其他会话随即结束）",
)
def change_password(
    body: ChangePassword,
    request: HttpRequest,
    ctx: ContextDep,
    actor: ActorDep,
    authorization: Authorization = None,
) -> Any:
    token = bearer_token(authorization)
    attempt = service.staff_attempt(actor.name, source_address(request), Limits.of(ctx.settings))
    return run_throttled(
        ctx,
        lambda uow: service.change_password(
            uow, actor, token, body.current_password, body.new_password, attempt
        ),
        lambda uow, error: service.record_password_change_refused(uow, actor, error, attempt),
    )


@session_router.post(
    "/totp/enrol",
    response_model=TotpSecret,
    responses=error_responses(401, 403, 409, 422),
    summary="开始绑定动态验证码：密钥只显示这一次（管理员、督察须绑定）",
)
def start_totp_enrolment(ctx: ContextDep, actor: EnrollingActorDep) -> Any:
    with ctx.uow() as uow:
        return service.start_totp_enrolment(uow, actor)


class ConfirmTotp(Request):
    code: str = Field(pattern=r"^[0-9]{6}$", description="身份验证器当前显示的6位数字")


@session_router.post(
    "/totp/confirm",
    response_model=TotpEnrolled,
    responses=error_responses(401, 403, 409, 422),
    summary="确认绑定动态验证码：此后登录须输入验证码（以绑定令牌确认时，答复含会话令牌）",
)
def confirm_totp_enrolment(
    body: ConfirmTotp,
    ctx: ContextDep,
    actor: EnrollingActorDep,
    authorization: Authorization = None,
) -> Any:
    token = bearer_token(authorization)
    settings = ctx.settings
    return run_recording_refusals(
        ctx,
        lambda uow: service.confirm_totp_enrolment(
            uow,
            actor,
            body.code,
            token,
            ttl_s=settings.staff_token_ttl_s,
            idle_s=settings.staff_session_idle_s,
        ),
        lambda uow, error: service.record_totp_enrolment_refused(uow, actor, error),
    )
