"""The booth transaction desk: resolve the identity token, run the domain's use case inside
an idempotent unit of work, and file every outcome as an application (a refusal too)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from gangting.applications.service import record_application
from gangting.citizens.models import Citizen
from gangting.context import Context
from gangting.fines.rules import FinePolicy
from gangting.identity.service import resolve_citizen
from gangting.kernel.actor import Actor
from gangting.kernel.decision import Reason
from gangting.kernel.errors import DomainError
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.vehicles.rules import InspectionPolicy
from gangting.violations.first_offence import load_first_offence_list
from gangting.violations.service import FineSettings
from gangting.web.writes import Answer, write_answer

CitizenWork = Callable[[UnitOfWork, Citizen], dict[str, Any]]


def fine_settings(ctx: Context) -> FineSettings:
    """The fine policy, holiday calendar and configured fine amounts of the running system."""
    first_offences = (
        load_first_offence_list(ctx.settings.first_offence_list_path or None)
        if ctx.settings.first_offence_enabled
        else None
    )
    return FineSettings(FinePolicy(), ctx.calendar, ctx.fine_overrides_fen, first_offences)


def inspection_policy(ctx: Context) -> InspectionPolicy:
    return InspectionPolicy(
        require_processed_violations=ctx.settings.mark_requires_violations_processed
    )


def citizen_answer(
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
) -> Answer:
    """Every transaction is an application: a refusal is recorded as one too (state
    'refused', with its reasons and legal basis), and its receipt number is in the answer."""
    payload = body.model_dump(mode="json") if body is not None else {}
    citizen_id: list[uuid.UUID] = []
    # The citizen resolved in a unit of work, reused by the work in that same one.
    resolved: list[tuple[UnitOfWork, Citizen]] = []

    def verified(uow: UnitOfWork) -> Citizen:
        if resolved and resolved[0][0] is uow:
            return resolved[0][1]
        citizen = resolve_citizen(uow, actor, identity)
        resolved[:] = [(uow, citizen)]
        return citizen

    def owner(uow: UnitOfWork) -> uuid.UUID:
        """The answer is this verified citizen's: replayed to no one else (decision 0017)."""
        return verified(uow).id

    def run(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        citizen = verified(uow)
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

    return write_answer(
        ctx,
        actor,
        key,
        "POST",
        path,
        payload,
        run,
        action=service_item,
        on_refusal=refused,
        owner=owner,
    )
