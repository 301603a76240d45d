"""Staff accounts over HTTP: the accounts of one's unit, and a role change, which takes two
keys (docs/decisions/0012): the maker's request is checked as if it were done now and
answered 202 with the pending approval; a second supervisor (an admin, where the admin role
is given or taken away) with jurisdiction over the account's unit, never the maker and never
the account itself, changes the role by approving it (POST /api/v1/staff/approvals/{id}/approve).
A lost second factor is reset the same way (docs/decisions/0019)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.approvals.rules import ApprovalKind
from gangting.approvals.schemas import ApprovalView
from gangting.contracts import Request
from gangting.desks import two_keys
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff import roles
from gangting.staff.models import StaffAccount
from gangting.staff.service import account_in_scope, list_accounts, require_role
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.openapi import Answer, Id, error_responses
from gangting.web.staff_writes import post_write
from gangting.web.writes import run_read

router = APIRouter(
    prefix="/api/v1/staff/accounts",
    tags=["人员 staff"],
    responses=error_responses(401, 403, 422),
)


class AccountView(Answer):
    id: Id
    username: str
    name: str
    role: str = Field(description="officer 民警 | supervisor 督察 | admin 管理员")
    role_zh: str
    unit_code: str
    unit_name: str
    unit_path: str
    active: bool


class AccountList(Answer):
    accounts: list[AccountView]


class RoleChange(Request):
    # Checked by the rule (staff.roles.parse_role), so that a wrong role is a named error.
    role: str = Field(max_length=32, description="officer 民警 | supervisor 督察 | admin 管理员")
    reason: str = Field(max_length=200, description="变更理由（至少4个汉字、字母或数字）")


@router.get(
    "",
    response_model=AccountList,
    summary="本单位及下级单位的民警账号（督察及以上）",
)
def accounts(ctx: ContextDep, actor: ActorDep, include_inactive: bool = False) -> dict[str, Any]:
    return run_read(
        ctx,
        lambda uow: {"accounts": list_accounts(uow, actor, include_inactive=include_inactive)},
    )


@router.post(
    "/{account_id}/role",
    status_code=202,
    response_model=ApprovalView,
    responses=error_responses(404, 409),
    summary="申请变更民警账号角色（督察及以上，限本单位辖区；不能变更本人角色；"
    "管理员角色仅管理员可授予或取消；须另一名有管辖权的督察或管理员审批后生效）",
)
def change_role(
    account_id: uuid.UUID,
    body: RoleChange,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return _ask_two_keys(
        ctx,
        actor,
        key,
        account_id,
        body,
        "role",
        ApprovalKind.STAFF_ROLE_CHANGE,
        lambda account: {
            "from": account.role,
            "role": roles.parse_role(body.role),
            "reason": roles.change_reason(body.reason),
        },
        "change_staff_role",
    )


def _ask_two_keys(
    ctx: ContextDep,
    actor: Actor,
    key: str | None,
    account_id: uuid.UUID,
    body: Request,
    what: str,
    kind: ApprovalKind,
    details: Callable[[StaffAccount], dict[str, Any]],
    action: str,
) -> JSONResponse:
    """The maker's side of a two-keys act on a staff account of the maker's scope: 202 with
    the pending approval (a supervisor or up asks; docs/decisions/0012, 0019)."""
    require_role(actor, "supervisor")

    def work(uow: UnitOfWork) -> dict[str, Any]:
        account, _path = account_in_scope(uow, actor, account_id)
        payload = {"account": str(account.id), "username": account.username, **details(account)}
        return two_keys.request(uow, actor, kind, payload, ctx.settings)

    return post_write(
        ctx,
        actor,
        key,
        f"/staff/accounts/{account_id}/{what}",
        body,
        work,
        action=action,
        status=202,
    )


class SecondFactorReset(Request):
    reason: str = Field(max_length=200, description="重置理由（至少4个汉字、字母或数字）")


@router.post(
    "/{account_id}/totp/reset",
    status_code=202,
    response_model=ApprovalView,
    responses=error_responses(404, 409),
    summary="申请重置民警账号的动态验证码（手机遗失或更换；督察及以上，限本单位辖区；"
    "不能重置本人的；管理员的仅管理员可申请、审批；须另一名有管辖权的督察或管理员审批后生效，"
    "生效后该账号下次登录重新绑定）",
)
def reset_totp(
    account_id: uuid.UUID,
    body: SecondFactorReset,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return _ask_two_keys(
        ctx,
        actor,
        key,
        account_id,
        body,
        "totp/reset",
        ApprovalKind.STAFF_TOTP_RESET,
        lambda _account: {"reason": body.reason},
        "reset_staff_totp",
    )
