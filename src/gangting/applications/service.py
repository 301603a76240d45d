"""Recording applications (办件): receipt number, state, reasons and legal basis, and the
audit entry, all in the caller's unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from gangting.applications.models import Application
from gangting.audit import service as audit
from gangting.kernel.actor import Actor
from gangting.kernel.decision import Reason
from gangting.kernel.ids import reference
from gangting.kernel.unit_of_work import UnitOfWork

RECEIPT_PREFIX = "SL"  # 受理
_FILED = "applications.filed"  # session.info key: the applications filed in this unit of work


def legal_basis_of(reasons: Iterable[Reason]) -> list[str]:
    seen: dict[str, None] = {}
    for reason in reasons:
        for citation in reason.legal_basis:
            seen.setdefault(citation, None)
    return list(seen)


def record_application(
    uow: UnitOfWork,
    actor: Actor,
    *,
    service_item: str,
    citizen_id: uuid.UUID,
    state: str,
    reasons: list[Reason],
    result: dict[str, Any],
) -> Application:
    now = uow.clock.now()
    application = Application(
        receipt_no=reference(RECEIPT_PREFIX, now),
        service_item=service_item,
        state=state,
        citizen_id=citizen_id,
        booth_id=actor.booth_id,
        created_at=now,
        updated_at=now,
        reasons=[r.to_dict() for r in reasons],
        legal_basis=legal_basis_of(reasons),
        result=result,
    )
    uow.session.add(application)
    uow.session.flush()
    uow.session.info.setdefault(_FILED, []).append(application)
    entry = audit.record(
        uow,
        actor,
        f"application.{service_item}.{state}",
        "application",
        application.receipt_no,
        data={"citizen_id": str(citizen_id), "result": result},
    )
    # The receipt carries its ledger entry: `gangting audit prove <entry>` proves it later.
    application.result = {**result, "ledger_entry": str(entry)}
    uow.session.flush()
    return application


def filed_in(uow: UnitOfWork) -> list[Application]:
    """The applications filed so far in this unit of work (its session), in filing order:
    the transaction desk files each one's service visit beside it."""
    return list(uow.session.info.get(_FILED, []))


def answer(application: Application) -> dict[str, Any]:
    """What the booth gets back for a completed transaction."""
    return {
        "receipt_no": application.receipt_no,
        "application_no": application.receipt_no,
        "service_item": application.service_item,
        "state": application.state,
        **application.result,
        "reasons": application.reasons,
        "legal_basis": application.legal_basis,
    }
