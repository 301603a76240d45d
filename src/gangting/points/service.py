"""The demerit-point ledger: what a citizen has this cycle, recording and deducting points."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select

from gangting.kernel.unit_of_work import UnitOfWork
from gangting.licences.models import DrivingLicence
from gangting.points.models import PointEntry
from gangting.points.rules import Cycle, scoring_cycle


def current_cycle(licence: DrivingLicence, on: date) -> Cycle:
    return scoring_cycle(licence.first_issued_on, on)


def points_in_cycle(uow: UnitOfWork, citizen_id: uuid.UUID, cycle: Cycle) -> int:
    total = uow.session.execute(
        select(func.coalesce(func.sum(PointEntry.points), 0)).where(
            PointEntry.citizen_id == citizen_id, PointEntry.cycle_start == cycle.start
        )
    ).scalar_one()
    return int(total)


def deducted_in_cycle(uow: UnitOfWork, citizen_id: uuid.UUID, cycle: Cycle) -> int:
    total = uow.session.execute(
        select(func.coalesce(func.sum(-PointEntry.points), 0)).where(
            PointEntry.citizen_id == citizen_id,
            PointEntry.cycle_start == cycle.start,
            PointEntry.source_kind == "deduction",
        )
    ).scalar_one()
    return int(total)


def record_points(
    uow: UnitOfWork,
    citizen_id: uuid.UUID,
    cycle: Cycle,
    points: int,
    *,
    source_kind: str,
    source_id: str,
    legal_basis: str,
) -> PointEntry:
    """Append one ledger line. (source_kind, source_id) is unique: never recorded twice."""
    entry = PointEntry(
        citizen_id=citizen_id,
        cycle_start=cycle.start,
        points=points,
        source_kind=source_kind,
        source_id=source_id,
        recorded_at=uow.clock.now(),
        legal_basis=legal_basis,
    )
    uow.session.add(entry)
    return entry
