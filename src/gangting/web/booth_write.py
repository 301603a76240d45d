"""A citizen transaction at a booth: authenticate the booth, resolve the identity token,
then run the service inside an idempotent unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gangting.applications.service import record_application
from gangting.citizens.models import Citizen
from gangting.context import Context
from gangting.identity.service import resolve_citizen
from gangting.kernel.actor import Actor
from gangting.kernel.decision import Reason
from gangting.kernel.errors import DomainError
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
    service_item: str,
    status_code: int = 200,
) -> JSONResponse:
    """Every transaction is an application: a refusal is recorded as one too (state
    'refused', with its reasons and legal basis), and its receipt number is in the answer."""
    payload = body.model_dump(mode="json") if body is not None else {}
    citizen_id: list[uuid.UUID] = []

    def run(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        citizen = resolve_citizen(uow, actor, identity)
        citizen_id[:] = [citizen.id]
        return status_code, work(uow, citizen)

    def refused(uow: UnitOfWork, exc: DomainError) -> None:
        if not citizen_id:
            return  # refused before we knew who: nothing to file under a citizen
        reasons = [
            Reason(r["code"], r["message"], tuple(r["legal_basis"]), r.get("data") or {})
            for r in exc.data.get("reasons", [])
        ] or [Reason(exc.code, exc.message, tuple(exc.legal_basis))]
        application = record_application(
            uow,
            actor,
            service_item=service_item,
            citizen_id=citizen_id[0],
            state="refused",
            reasons=reasons,
            result={"error": exc.code},
        )
        exc.data["receipt_no"] = application.receipt_no

    return run_write(
        ctx, actor, key, "POST", path, payload, run, action=service_item, on_refusal=refused
    )
