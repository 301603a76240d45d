"""The plate-read desk: store a booth camera's reads and match the new ones against the
watch-list in the same unit of work (a hit and its alert are written with the read, or
not at all). Plate reads sit below the watch-list, whose hits derive from them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.plate_reads import service as plate_reads
from gangting.plate_reads.schemas import PlateReadEvent
from gangting.watchlists.hits import check_plate_reads
from gangting.watchlists.rules import WatchListPolicy


def record_plate_read(
    uow: UnitOfWork, actor: Actor, event: PlateReadEvent, watch: WatchListPolicy | None
) -> dict[str, Any]:
    return record_plate_reads(uow, [(actor, event)], watch)[0]


def record_plate_reads(
    uow: UnitOfWork,
    reads: Sequence[tuple[Actor, PlateReadEvent]],
    watch: WatchListPolicy | None,
) -> list[dict[str, Any]]:
    """Store the reads (once per event id); with a ``watch`` policy, only the reads stored
    new are checked, and only those that match the watch-list take the per-read hit path."""
    answers, new = plate_reads.record_plate_reads(uow, reads)
    if watch is not None and new:
        check_plate_reads(uow, new, watch)
    return answers
