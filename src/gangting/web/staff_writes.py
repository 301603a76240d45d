"""One POST write as the routes spell it: the request body (or nothing) is the payload
hashed under the idempotency key, the work's result is answered with one status code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gangting.context import Context
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.web.writes import OnRefusal, render, write_answer


def post_write(
    ctx: Context,
    actor: Actor,
    key: str | None,
    path: str,
    body: BaseModel | None,
    work: Callable[[UnitOfWork], Any],
    *,
    action: str,
    status: int = 200,
    on_refusal: OnRefusal | None = None,
) -> JSONResponse:
    """`write_answer` for a POST to `path`: `body` (empty when None) is the hashed payload and
    `work`'s result the answer under `status`."""
    return render(
        write_answer(
            ctx,
            actor,
            key,
            "POST",
            path,
            body.model_dump(mode="json") if body is not None else {},
            lambda uow: (status, work(uow)),
            action=action,
            on_refusal=on_refusal,
        )
    )
