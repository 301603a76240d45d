"""Retention of the telemetry history: readings the centre received more than N days ago are
deleted. Age is ``received_at`` (the centre's clock), never the booth's ``at``: a booth's
clock cannot keep a reading longer or have it deleted sooner (docs/decisions/0016).

The current state keeps each kind's latest value however old it is; only the history is
trimmed. A run deletes in batches, each its own unit of work (a job, not one huge
transaction that would hold the write lock on SQLite), and audits what it did.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, select

from gangting.audit import service as audit
from gangting.booths.models import TelemetryReading
from gangting.kernel.actor import SYSTEM
from gangting.kernel.errors import Invalid
from gangting.kernel.unit_of_work import UnitOfWork, in_batches

DEFAULT_BATCH = 5_000


def purge_telemetry_batch(uow: UnitOfWork, keep_days: int, batch: int = DEFAULT_BATCH) -> int:
    """Delete up to ``batch`` readings received more than ``keep_days`` days before now."""
    if keep_days < 1:
        raise Invalid("运行数据至少保留1天", code="booths.retention_invalid")
    cutoff = uow.clock.now() - timedelta(days=keep_days)
    ids = (
        uow.session.execute(
            select(TelemetryReading.id).where(TelemetryReading.received_at < cutoff).limit(batch)
        )
        .scalars()
        .all()
    )
    if ids:
        uow.session.execute(delete(TelemetryReading).where(TelemetryReading.id.in_(ids)))
    return len(ids)


def purge_telemetry(
    new_uow: Callable[[], UnitOfWork], keep_days: int, batch: int = DEFAULT_BATCH
) -> int:
    """The retention job: batches until nothing older is left; one audit entry per run."""
    total = in_batches(new_uow, lambda uow: purge_telemetry_batch(uow, keep_days, batch), batch)
    with new_uow() as uow:
        audit.record(
            uow,
            SYSTEM,
            "telemetry.purged",
            "telemetry",
            "history",
            data={"deleted": total, "keep_days": keep_days},
        )
    return total
