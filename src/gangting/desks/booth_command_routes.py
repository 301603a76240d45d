"""Issuing a remote command to a booth over HTTP (supervisor and above, within scope,
idempotent by key). Locking a kiosk takes two keys (desks.two_keys): the request is checked
as if the command were queued now and answered 202 with the pending approval; a second
supervisor with jurisdiction over the booth queues it by approving it. Every other command
is queued at once (201). Following the commands: booths.command_routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.approvals.rules import ApprovalKind
from gangting.approvals.schemas import ApprovalView
from gangting.booths import commands
from gangting.booths.rules import CommandKind
from gangting.booths.schemas import CommandView
from gangting.contracts import Request
from gangting.desks import two_keys
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.openapi import error_responses
from gangting.web.staff_writes import post_write

router = APIRouter(
    prefix="/api/v1/staff",
    tags=["远程指挥 remote commands"],
    responses=error_responses(401, 403, 422),
)


class IssueCommand(Request):
    kind: CommandKind = Field(description="announcement | lock_kiosk | unlock_kiosk | …")
    params: dict[str, Any] = Field(default_factory=dict, description="按指令类型的参数")
    expires_in_s: int | None = Field(
        default=None, ge=commands.MIN_EXPIRY_S, le=commands.MAX_EXPIRY_S, description="有效期（秒）"
    )
    reason: str | None = Field(default=None, max_length=200, description="下发事由")


@router.post(
    "/booths/{booth_code}/commands",
    status_code=201,
    # One documented success: the command (201), or for a kiosk lock the pending approval,
    # answered with 202 (the API description lists one 2xx per route).
    response_model=CommandView | ApprovalView,
    responses=error_responses(404, 409),
    summary="向岗亭下发远程指令（督察及以上；锁定自助终端须双人复核：应答202及待审批申请）",
)
def issue_command(
    booth_code: str,
    body: IssueCommand,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    expires_in_s = body.expires_in_s or ctx.settings.command_default_expiry_s
    two = body.kind == CommandKind.LOCK_KIOSK

    def work(uow: UnitOfWork) -> dict[str, Any]:
        if two:
            payload = {
                "booth": booth_code,
                "params": body.params,
                "expires_in_s": expires_in_s,
                "reason": body.reason,
            }
            return two_keys.request(uow, actor, ApprovalKind.KIOSK_LOCK, payload, ctx.settings)
        return commands.issue_command(
            uow, actor, booth_code, body.kind, body.params, expires_in_s, body.reason
        )

    return post_write(
        ctx,
        actor,
        key,
        f"/staff/booths/{booth_code}/commands",
        body,
        work,
        action="issue_booth_command",
        status=202 if two else 201,
    )
