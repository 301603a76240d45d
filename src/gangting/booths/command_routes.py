"""Staff API for remote commands to booths: issue (supervisor and above, within scope,
idempotent by key) and follow their states (officer and above, within scope)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.booths import commands
from gangting.booths.rules import COMMAND_STATES, CommandKind
from gangting.booths.schemas import CommandList, CommandView
from gangting.contracts import Request
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
    response_model=CommandView,
    responses=error_responses(404, 409),
    summary="向岗亭下发远程指令（督察及以上）",
)
def issue_command(
    booth_code: str,
    body: IssueCommand,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    expires_in_s = body.expires_in_s or ctx.settings.command_default_expiry_s
    return post_write(
        ctx,
        actor,
        key,
        f"/staff/booths/{booth_code}/commands",
        body,
        lambda uow: commands.issue_command(
            uow, actor, booth_code, body.kind, body.params, expires_in_s, body.reason
        ),
        action="issue_booth_command",
        status=201,
    )


@router.get(
    "/booth-commands", response_model=CommandList, summary="远程指令及其状态（按下发时间倒序）"
)
def list_commands(
    ctx: ContextDep,
    actor: ActorDep,
    booth: Annotated[str | None, Query(max_length=32)] = None,
    state: Annotated[str | None, Query(pattern="^(" + "|".join(COMMAND_STATES) + ")$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    with ctx.uow() as uow:
        return {
            "commands": commands.list_commands(
                uow, actor, booth_code=booth, state=state, limit=limit
            )
        }


@router.get(
    "/booth-commands/{command_id}",
    response_model=CommandView,
    responses=error_responses(404),
    summary="一条远程指令",
)
def get_command(command_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    with ctx.uow() as uow:
        return commands.get_command(uow, actor, command_id)
