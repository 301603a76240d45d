"""The booth transaction desk: resolve the identity token, run the domain's use case inside
an idempotent unit of work, and file every outcome as an application (a refusal too), each
with its service visit (gangting.visits) in the same unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from gangting.applications.guides import pointer
from gangting.applications.service import filed_in, record_application
from gangting.citizens.models import Citizen
from gangting.context import Context
from gangting.fines.rules import FinePolicy
from gangting.identity.service import resolve_citizen
from gangting.kernel.actor import Actor
from gangting.kernel.decision import Reason
from gangting.kernel.errors import DomainError
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.ratings.service import LinkSettings, issue_rating_link
from gangting.vehicles.rules import InspectionPolicy
from gangting.violations.first_offence import load_first_offence_list
from gangting.violations.service import FineSettings
from gangting.visits.service import record_booth_visit, session_started_at
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


def with_rating_link(
    ctx: Context, uow: UnitOfWork, actor: Actor, result: dict[str, Any]
) -> dict[str, Any]:
    """The answer with the one-use rating link (好差评, for the receipt) of the booth
    application it files, when it files one that is done (completed or refused)."""
    application_no = result.get("application_no")
    if isinstance(application_no, str) and application_no:
        link = issue_rating_link(uow, actor, application_no, LinkSettings.of(ctx.settings))
        if link is not None:
            return {**result, "rating_link": link}
    return result


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
    'refused', with its reasons and legal basis), and its receipt number is in the answer,
    with the pointer to the failed condition of the business's guide (``data.guide``)."""
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
        result = work(uow, citizen)
        queued_at = session_started_at(uow, actor, identity)
        for application in filed_in(uow):
            record_booth_visit(uow, actor, application, queued_at=queued_at, payload=payload)
        return status_code, with_rating_link(ctx, uow, actor, result)

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
        record_booth_visit(
            uow,
            actor,
            application,
            queued_at=session_started_at(uow, actor, identity),
            payload=payload,
        )
        exc.data["receipt_no"] = application.receipt_no
        # The condition of the business's guide (办事指南) that failed (decision 0026).
        exc.data["guide"] = pointer(service_item, exc.code)
        link = issue_rating_link(uow, actor, application.receipt_no, LinkSettings.of(ctx.settings))
        if link is not None:
            exc.data["rating_link"] = link

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
