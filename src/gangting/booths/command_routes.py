"""Staff API for remote commands to booths: follow their states (officer and above, within
scope). Issuing one is a desk's route (desks.booth_command_routes): locking a kiosk takes
two keys."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from gangting.booths import commands
from gangting.booths.rules import COMMAND_STATES
from gangting.booths.schemas import CommandList, CommandView
from gangting.web.deps import ActorDep, ContextDep
from gangting.web.openapi import error_responses

router = APIRouter(
    prefix="/api/v1/staff",
    tags=["远程指挥 remote commands"],
    responses=error_responses(401, 403, 422),
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
