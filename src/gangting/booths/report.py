"""A report a booth sends about itself (rating, help call, telemetry, printed receipt):
booth-authenticated, for its own booth only, idempotent by key (the node replays its
outbox with the same key), 201 with the stored answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gangting.booths.service import require_this_booth
from gangting.context import Context
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.web.staff_writes import post_write


def booth_report(
    ctx: Context,
    actor: Actor,
    key: str | None,
    path: str,
    body: BaseModel,
    booth_code: str | None,
    work: Callable[[UnitOfWork], dict[str, Any]],
    *,
    action: str,
) -> JSONResponse:
    require_this_booth(actor, booth_code)
    return post_write(ctx, actor, key, path, body, work, action=action, status=201)
