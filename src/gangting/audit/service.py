"""Writing audit entries. Always inside the caller's unit of work: the entry commits or
rolls back with the change it describes. Never write raw personal data into ``data``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from gangting.audit.models import AuditEntry
from gangting.kernel.actor import Actor
from gangting.kernel.ids import new_id
from gangting.kernel.unit_of_work import UnitOfWork


def record(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    subject_kind: str,
    subject_id: object,
    *,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    # A plain INSERT (no ORM object): audit rows are written, never read back in a request.
    uow.session.execute(
        insert(AuditEntry).values(
            id=new_id(),
            at=uow.clock.now(),
            actor_kind=actor.kind,
            actor_id=str(actor.id) if actor.id is not None else actor.name,
            booth_id=actor.booth_id,
            action=action,
            subject_kind=subject_kind,
            subject_id=str(subject_id),
            reason=reason,
            data=dict(data or {}),
        )
    )
