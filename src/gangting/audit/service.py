"""Writing audit entries. Always inside the caller's unit of work: the entry commits or
rolls back with the change it describes, and is chained into the ledger at that commit
(audit.ledger). Never write raw personal data into ``data``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from gangting.audit.ledger import write_entries
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
) -> uuid.UUID:
    """Write one entry; its id is the entry's number in the ledger (`gangting audit prove`)."""
    # A plain INSERT (no ORM object), sealed and queued for the ledger's chain at commit.
    values = _values(uow, actor, action, subject_kind, subject_id, reason=reason, data=data)
    write_entries(uow.session, [values])
    entry_id: uuid.UUID = values["id"]
    return entry_id


def record_many(
    uow: UnitOfWork,
    action: str,
    subject_kind: str,
    items: Sequence[tuple[Actor, object, dict[str, Any] | None]],
) -> None:
    """One entry per ``(actor, subject_id, data)`` in one statement (a batch of booth
    messages: hundreds of entries cost one round trip, not hundreds)."""
    write_entries(
        uow.session,
        [_values(uow, a, action, subject_kind, s, reason=None, data=d) for a, s, d in items],
    )


def _values(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    subject_kind: str,
    subject_id: object,
    *,
    reason: str | None,
    data: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "at": uow.clock.now(),
        "actor_kind": actor.kind,
        "actor_id": str(actor.id) if actor.id is not None else actor.name,
        "booth_id": actor.booth_id,
        "action": action,
        "subject_kind": subject_kind,
        "subject_id": str(subject_id),
        "reason": reason,
        "data": dict(data or {}),
    }
