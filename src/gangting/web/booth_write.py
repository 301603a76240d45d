"""A citizen transaction at a booth: authenticate the booth, resolve the identity token,
then run the service inside an idempotent unit of work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gangting.citizens.models import Citizen
from gangting.context import Context
from gangting.identity.service import resolve_citizen
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.web.writes import run_write

CitizenWork = Callable[[UnitOfWork, Citizen], dict[str, Any]]


def citizen_write(
    ctx: Context,
    actor: Actor,
    key: str | None,
    identity: str | None,
    path: str,
    body: BaseModel | None,
    work: CitizenWork,
    *,
    status_code: int = 200,
) -> JSONResponse:
    payload = body.model_dump(mode="json") if body is not None else {}

    def run(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        citizen = resolve_citizen(uow, actor, identity)
        return status_code, work(uow, citizen)

    return run_write(ctx, actor, key, "POST", path, payload, run, action=path.strip("/"))
