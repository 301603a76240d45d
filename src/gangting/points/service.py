"""The demerit-point ledger: what a citizen has this cycle, recording and deducting points."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select

from gangting.fines.models import PenaltyDecision
from gangting.kernel.calendar import add_days
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.licences.models import DrivingLicence
from gangting.licences.rules import Cycle, scoring_cycle
from gangting.points.models import FullScoreRecord, PointEntry
from gangting.points.rules import FullScore, cycle_close
from gangting.points.rules import PointEntry as RulePointEntry


def current_cycle(licence: DrivingLicence, on: date) -> Cycle:
    return scoring_cycle(licence.first_issued_on, on)


def points_in_cycle(uow: UnitOfWork, licence: DrivingLicence, cycle: Cycle) -> int:
    """Points of the cycle: its own ledger lines plus what earlier cycles carried over."""
    rows = uow.session.execute(
        select(
            PointEntry.cycle_start,
            PointEntry.points,
            PointEntry.source_kind,
            PenaltyDecision.decision_no,
            PenaltyDecision.due_on,
            PenaltyDecision.paid_on,
        )
        .outerjoin(
            PenaltyDecision,
            (PointEntry.source_kind == "decision")
            & (PenaltyDecision.decision_no == PointEntry.source_id),
        )
        .where(PointEntry.citizen_id == licence.citizen_id, PointEntry.cycle_start <= cycle.start)
    ).all()
    own: int = sum(int(r.points) for r in rows if r.cycle_start == cycle.start)
    earlier = [r for r in rows if r.cycle_start < cycle.start]
    return own + _carried_into(licence, earlier, cycle)


def _carried_into(licence: DrivingLicence, rows: list[Any], target: Cycle) -> int:
    """Replay cycle closes (记分办法 第15条) from the oldest earlier cycle up to ``target``.

    At each close below 12 points, the points of decisions whose fine is overdue and still
    unpaid on the cycle's last day carry into the next cycle; carried points are judged
    again at the next close (paid by then: cleared; still unpaid: carried again)."""
    if not rows:
        return 0
    decisions = {r.decision_no: r for r in rows if r.source_kind == "decision"}
    cycle = scoring_cycle(licence.first_issued_on, min(r.cycle_start for r in rows))
    carried: list[tuple[str, int]] = []
    while cycle.start < target.start:
        owned = [
            (r.decision_no, r.points)
            for r in rows
            if r.cycle_start == cycle.start and r.source_kind == "decision"
        ]
        deducted = -sum(
            r.points for r in rows if r.cycle_start == cycle.start and r.source_kind != "decision"
        )
        entries = [
            RulePointEntry(no, pts, decisions[no].due_on, _overdue_unpaid(decisions[no], cycle.end))
            for no, pts in [*carried, *owned]
        ]
        close = cycle_close(entries, deducted_points=deducted)
        carried = [(e.violation_id, e.points) for e in close.carried_entries]
        cycle = scoring_cycle(licence.first_issued_on, add_days(cycle.end, 1))
    return sum(points for _, points in carried)


def _overdue_unpaid(decision: Any, on: date) -> bool:
    """Fine still unpaid at the end of ``on`` and its deadline already passed."""
    return bool(decision.due_on < on and (decision.paid_on is None or decision.paid_on > on))


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


def full_score_records(
    uow: UnitOfWork, citizen_id: uuid.UUID, *, state: str | None = None
) -> list[FullScoreRecord]:
    """The citizen's 满分 records, oldest first (``state`` open | cleared to filter)."""
    query = select(FullScoreRecord).where(FullScoreRecord.citizen_id == citizen_id)
    if state is not None:
        query = query.where(FullScoreRecord.state == state)
    return list(
        uow.session.execute(
            query.order_by(FullScoreRecord.cycle_start, FullScoreRecord.sequence)
        ).scalars()
    )


def full_score_count(uow: UnitOfWork, citizen_id: uuid.UUID, cycle: Cycle) -> int:
    """How many 满分 the citizen had in the cycle so far (记分办法 第18条, 第22条)."""
    count = uow.session.execute(
        select(func.count())
        .select_from(FullScoreRecord)
        .where(FullScoreRecord.citizen_id == citizen_id, FullScoreRecord.cycle_start == cycle.start)
    ).scalar_one()
    return int(count)


def open_full_score(
    uow: UnitOfWork, citizen_id: uuid.UUID, cycle: Cycle, total: int, consequence: FullScore
) -> FullScoreRecord:
    """Record a 满分 with the study and exams it calls for; the next sequence of the cycle."""
    record = FullScoreRecord(
        citizen_id=citizen_id,
        cycle_start=cycle.start,
        sequence=full_score_count(uow, citizen_id, cycle) + 1,
        total_points=total,
        study_days=consequence.study_days,
        min_onsite_online_days=consequence.min_onsite_online_days,
        min_onsite_days=consequence.min_onsite_days,
        exams=",".join(e.value for e in consequence.exams),
        reached_at=uow.clock.now(),
        state="open",
    )
    uow.session.add(record)
    return record
