"""Retention of plate reads (过车记录): reads older than N days are deleted, their evidence
crops cleared sooner, except the reads that a watch-list hit refers to.

A plate read is personal information (a plate tied to a place and a time, the crop often
shows the occupants); PIPL 第19条 keeps it no longer than its purpose needs. A read that
raised a hit (比中) is the evidence of that hit and of the decision a person took on it: it
stays, crop and all, as long as the hit does.

Age is ``received_at``: when the centre received the read (its own clock, indexed), never the
booth's ``first_seen_at``, so a booth's clock cannot keep a read longer or have it deleted
sooner (docs/decisions/0016; a booth's time is also held to a window on the way in). A run
works in batches, each its own unit of work (a job, not one huge transaction holding
SQLite's write lock), each one set-based statement, and writes one audit entry summarising
the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, exists, func, select, update
from sqlalchemy.sql.elements import ColumnElement

from gangting.audit import service as audit
from gangting.kernel.actor import SYSTEM
from gangting.kernel.errors import Invalid
from gangting.kernel.unit_of_work import UnitOfWork, in_batches
from gangting.plate_reads.models import PlateReadRecord
from gangting.watchlists.models import WatchListHit

DEFAULT_BATCH = 1_000


@dataclass(frozen=True)
class PlateReadsPurged:
    deleted: int = 0  # reads deleted
    evidence_cleared: int = 0  # reads kept, their evidence crop removed
    kept_for_hits: int = 0  # reads past the retention kept because a hit refers to them
    keep_days: int = 0
    evidence_days: int = 0


def _has_hit() -> ColumnElement[bool]:
    # NOT EXISTS, not NOT IN: watch_list_hits.plate_read_id is nullable, and one NULL makes
    # "id NOT IN (…)" unknown for every row. The column is unique, so this is an index probe.
    return exists().where(WatchListHit.plate_read_id == PlateReadRecord.id)


def _check_days(keep_days: int, evidence_days: int | None = None) -> None:
    if keep_days < 1 or (evidence_days is not None and evidence_days < 1):
        raise Invalid("过车记录至少保留1天", code="plate_reads.retention_invalid")


def purge_plate_reads_batch(uow: UnitOfWork, keep_days: int, batch: int = DEFAULT_BATCH) -> int:
    """Delete up to ``batch`` reads received more than ``keep_days`` days before now that
    no watch-list hit refers to; how many."""
    _check_days(keep_days)
    cutoff = uow.clock.now() - timedelta(days=keep_days)
    doomed = (
        select(PlateReadRecord.id)
        .where(PlateReadRecord.received_at < cutoff, ~_has_hit())
        .limit(batch)
        .correlate(None)  # its own FROM, not the DELETE's table
        .scalar_subquery()
    )
    result = cast(
        "CursorResult[Any]",
        uow.session.execute(
            delete(PlateReadRecord).where(PlateReadRecord.id.in_(doomed)),
            execution_options={"synchronize_session": False},
        ),
    )
    return result.rowcount


def clear_evidence_batch(
    uow: UnitOfWork,
    evidence_days: int,
    batch: int = DEFAULT_BATCH,
    *,
    after: datetime | None = None,
) -> tuple[int, datetime | None]:
    """Remove the evidence crop of up to ``batch`` reads received more than
    ``evidence_days`` days before now (the row stays; reads a hit refers to keep theirs).
    Returns how many and where the next batch starts (the batch's latest ``received_at``):
    cleared rows drop out of the filter, so a run walks the old rows once, not per batch."""
    _check_days(evidence_days)
    cutoff = uow.clock.now() - timedelta(days=evidence_days)
    where = [
        PlateReadRecord.received_at < cutoff,
        PlateReadRecord.evidence_jpeg_b64.is_not(None),
        ~_has_hit(),
    ]
    if after is not None:
        where.append(PlateReadRecord.received_at >= after)
    rows = uow.session.execute(
        select(PlateReadRecord.id, PlateReadRecord.received_at)
        .where(*where)
        .order_by(PlateReadRecord.received_at)
        .limit(batch)
    ).all()
    if not rows:
        return 0, after
    uow.session.execute(
        update(PlateReadRecord)
        .where(PlateReadRecord.id.in_([row.id for row in rows]))
        .values(evidence_jpeg_b64=None),
        execution_options={"synchronize_session": False},
    )
    return len(rows), rows[-1].received_at


def purge_plate_reads(
    new_uow: Callable[[], UnitOfWork],
    keep_days: int,
    evidence_days: int | None = None,
    batch: int = DEFAULT_BATCH,
) -> PlateReadsPurged:
    """The retention job: delete old reads batch by batch, then clear old evidence crops
    (when ``evidence_days`` is shorter than ``keep_days``); one audit entry per run."""
    _check_days(keep_days, evidence_days)
    deleted = in_batches(new_uow, lambda uow: purge_plate_reads_batch(uow, keep_days, batch), batch)
    cleared = 0
    if evidence_days is not None and evidence_days < keep_days:
        after: datetime | None = None
        while True:
            with new_uow() as uow:
                n, after = clear_evidence_batch(uow, evidence_days, batch, after=after)
            cleared += n
            if n < batch:
                break
    with new_uow() as uow:
        cutoff = uow.clock.now() - timedelta(days=keep_days)
        kept = uow.session.execute(
            select(func.count())
            .select_from(PlateReadRecord)
            .where(PlateReadRecord.received_at < cutoff, _has_hit())
        ).scalar_one()
        result = PlateReadsPurged(
            deleted=deleted,
            evidence_cleared=cleared,
            kept_for_hits=int(kept),
            keep_days=keep_days,
            evidence_days=evidence_days or keep_days,
        )
        audit.record(
            uow, SYSTEM, "plate_reads.purged", "plate_read", "history", data=asdict(result)
        )
    return result
