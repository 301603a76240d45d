"""The driver review (审验, 机动车驾驶证申领和使用规定 第72–74条) at a booth: who must be
reviewed for the cycle that ended last and by when, the 70+ ability test (三力测试) recorded
from the test device or by an operator, completing the review when its conditions hold, and
"overdue for review" for the other services (学法减分, 记分办法 第26条(三))."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from gangting.applications.service import answer, record_application
from gangting.citizens.models import Citizen, HealthCertificate
from gangting.citizens.rules import age_on
from gangting.integrations.cognitive_test import CognitiveTestDevice, CognitiveTestResult
from gangting.integrations.learning import LearningPlatform
from gangting.kernel import law
from gangting.kernel.actor import Actor
from gangting.kernel.calendar import add_days, add_years
from gangting.kernel.decision import Decision, Reason
from gangting.kernel.errors import Conflict, NotFound
from gangting.kernel.refusal import ensure_allowed
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.licences.models import AccidentRecord, CognitiveTest, DriverReview, DrivingLicence
from gangting.licences.rules import (
    Accident,
    AccidentLiability,
    Cycle,
    ReviewDue,
    review_due,
    review_outcome,
    review_overdue,
    scoring_cycle,
)
from gangting.licences.service import lock_licence
from gangting.points.models import PointEntry
from gangting.vehicles.models import Vehicle
from gangting.violations.models import Violation

_R = law.LICENCE
# Ended cycles looked back on for an overdue review (decision 0028).
OVERDUE_LOOKBACK_YEARS = 3


class CognitiveTestNotFound(NotFound):
    code = "licences.cognitive_test_not_found"


class CognitiveTestNotYours(Conflict):
    code = "licences.cognitive_test_not_yours"


class CognitiveTestRecorded(Conflict):
    code = "licences.cognitive_test_already_recorded"


class ReviewAlreadyDone(Conflict):
    code = "licences.review_already_done"


@dataclass(frozen=True)
class CycleReview:
    cycle: Cycle
    due: ReviewDue
    done: DriverReview | None


def _ended_cycle_before(licence: DrivingLicence, cycle: Cycle) -> Cycle | None:
    if cycle.start <= licence.first_issued_on:
        return None
    return scoring_cycle(licence.first_issued_on, add_days(cycle.start, -1))


def _points_recorded(uow: UnitOfWork, citizen: Citizen, cycle: Cycle) -> int:
    """Points recorded by decisions in the cycle (第72条第3款: 有记分记录)."""
    total = uow.session.execute(
        select(func.coalesce(func.sum(PointEntry.points), 0)).where(
            PointEntry.citizen_id == citizen.id,
            PointEntry.cycle_start == cycle.start,
            PointEntry.source_kind == "decision",
            PointEntry.points > 0,
        )
    ).scalar_one()
    return int(total)


def _accidents(uow: UnitOfWork, citizen: Citizen, cycle: Cycle) -> list[Accident]:
    rows = uow.session.execute(
        select(AccidentRecord).where(
            AccidentRecord.citizen_id == citizen.id,
            AccidentRecord.occurred_on >= cycle.start,
            AccidentRecord.occurred_on <= cycle.end,
        )
    ).scalars()
    return [
        Accident(
            r.occurred_on,
            r.deaths,
            r.serious_injuries,
            AccidentLiability(r.liability),
            r.processed,
        )
        for r in rows
    ]


def review_of(
    uow: UnitOfWork, citizen: Citizen, licence: DrivingLicence, cycle: Cycle
) -> CycleReview:
    """The review duty for one ended cycle and whether it was done."""
    due = review_due(
        classes=licence.classes.split(","),
        cycle_end=cycle.end,
        points_in_cycle=_points_recorded(uow, citizen, cycle),
        age_at_cycle_end=age_on(citizen.birth_date, cycle.end),
        accidents_in_cycle=_accidents(uow, citizen, cycle),
    )
    done = uow.session.execute(
        select(DriverReview).where(
            DriverReview.citizen_id == citizen.id, DriverReview.cycle_start == cycle.start
        )
    ).scalar_one_or_none()
    return CycleReview(cycle, due, done)


def last_ended_review(
    uow: UnitOfWork, citizen: Citizen, licence: DrivingLicence, today: date
) -> CycleReview | None:
    current = scoring_cycle(licence.first_issued_on, today)
    ended = _ended_cycle_before(licence, current)
    return None if ended is None else review_of(uow, citizen, licence, ended)


def review_overdue_for(
    uow: UnitOfWork, citizen: Citizen, licence: DrivingLicence, today: date
) -> bool:
    """Is any review of the ended cycles of the last three years overdue (逾期未审验)?"""
    horizon = add_years(today, -OVERDUE_LOOKBACK_YEARS)
    cycle = _ended_cycle_before(licence, scoring_cycle(licence.first_issued_on, today))
    while cycle is not None and cycle.end >= horizon:
        found = review_of(uow, citizen, licence, cycle)
        if review_overdue(found.due, found.done is not None, today):
            return True
        cycle = _ended_cycle_before(licence, cycle)
    return False


def _store_test(
    uow: UnitOfWork,
    citizen: Citizen,
    result: CognitiveTestResult,
    source: str,
    recorded_by: str,
) -> CognitiveTest:
    if result.id_number != citizen.id_number:
        raise CognitiveTestNotYours("该能力测试记录不属于本人", data={"test_ref": result.ref})
    existing = uow.session.execute(
        select(CognitiveTest).where(CognitiveTest.test_ref == result.ref)
    ).scalar_one_or_none()
    if existing is not None:
        raise CognitiveTestRecorded("该能力测试记录已登记", data={"test_ref": result.ref})
    if result.taken_on > uow.clock.today():
        raise Conflict(
            "测试日期晚于今日",
            code="licences.cognitive_test_in_future",
            data={"test_ref": result.ref},
        )
    row = CognitiveTest(
        citizen_id=citizen.id,
        test_ref=result.ref,
        taken_on=result.taken_on,
        passed=result.passed,
        source=source,
        recorded_by=recorded_by,
        recorded_at=uow.clock.now(),
    )
    uow.session.add(row)
    return row


def record_cognitive_test(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    test_ref: str,
    device: CognitiveTestDevice | None,
    *,
    entered: CognitiveTestResult | None = None,
) -> dict[str, Any]:
    """Record a 三力测试 result: read from the test device by ``test_ref``, or ``entered`` by
    an operator (staff) from the paper record. Recorded once per reference."""
    if entered is not None:
        result, source = entered, "operator"
    else:
        found = device.find_result(test_ref) if device is not None else None
        if found is None:
            raise CognitiveTestNotFound(
                "测试设备未查询到该能力测试记录", data={"test_ref": test_ref}
            )
        result, source = found, "device"
    row = _store_test(uow, citizen, result, source, actor.name)
    parts = {
        "memory_passed": result.memory_passed,
        "judgement_passed": result.judgement_passed,
        "reaction_passed": result.reaction_passed,
    }
    reasons = [
        Reason(
            "licences.cognitive_test_recorded",
            "记忆力、判断力、反应力能力测试" + ("通过" if row.passed else "未通过"),
            (f"{_R} 第73条第3款",),
            parts,
        )
    ]
    application = record_application(
        uow,
        actor,
        service_item="cognitive_test",
        citizen_id=citizen.id,
        state="completed",
        reasons=reasons,
        result={
            "test_ref": row.test_ref,
            "taken_on": row.taken_on.isoformat(),
            "passed": row.passed,
            "source": source,
        },
    )
    return answer(application)


def _unprocessed_violations(uow: UnitOfWork, citizen: Citizen) -> int:
    """Unprocessed violations of the citizen's vehicles (第73条第4款)."""
    return int(
        uow.session.execute(
            select(func.count())
            .select_from(Violation)
            .join(Vehicle, Vehicle.id == Violation.vehicle_id)
            .where(Vehicle.owner_id == citizen.id, Violation.state == "unprocessed")
        ).scalar_one()
    )


def complete_review(
    uow: UnitOfWork, actor: Actor, citizen: Citizen, platform: LearningPlatform
) -> dict[str, Any]:
    """Complete the review of the cycle that ended last (第72–73条), when every condition
    holds: violations and accidents processed, the review study of 3 hours where due (from
    the learning platform's review_study records after the cycle end), the 70+ ability test
    passed (recorded after the cycle end), and for 70+ a health certificate covering the
    cycle (第74条). A cycle is reviewed once."""
    today = uow.clock.today()
    licence = lock_licence(uow, citizen.id)
    found = last_ended_review(uow, citizen, licence, today)
    if found is None or not found.due.required:
        reasons = (
            found.due.reasons
            if found is not None
            else (
                Reason(
                    "licences.review_not_required",
                    "尚无结束的记分周期，无需审验",
                    (f"{_R} 第72条",),
                ),
            )
        )
        ensure_allowed(Decision.refuse(*reasons), code="licences.review_not_required")
        raise AssertionError("unreachable")
    cycle, due = found.cycle, found.due
    if found.done is not None:
        raise ReviewAlreadyDone(
            "本记分周期已完成审验",
            data={"cycle_start": cycle.start.isoformat(), "receipt_no": found.done.receipt_no},
            legal_basis=[f"{_R} 第72条"],
        )
    study = [
        e
        for e in platform.education_records(citizen.id_number)
        if e.kind == "review_study" and e.on > cycle.end and e.on <= today
    ]
    tests = list(
        uow.session.execute(
            select(CognitiveTest)
            .where(CognitiveTest.citizen_id == citizen.id, CognitiveTest.taken_on > cycle.end)
            .order_by(CognitiveTest.taken_on)
        ).scalars()
    )
    passed_test = next((t for t in tests if t.passed), None)
    cognitive: bool | None = True if passed_test else (False if tests else None)
    age = age_on(citizen.birth_date, cycle.end)
    health_fit = True
    if age >= 70:
        health_fit = (
            uow.session.execute(
                select(func.count())
                .select_from(HealthCertificate)
                .where(
                    HealthCertificate.citizen_id == citizen.id,
                    HealthCertificate.issued_on >= cycle.start,
                )
            ).scalar_one()
            > 0
        )
    unprocessed_accidents = int(
        uow.session.execute(
            select(func.count())
            .select_from(AccidentRecord)
            .where(AccidentRecord.citizen_id == citizen.id, AccidentRecord.processed.is_(False))
        ).scalar_one()
    )
    decision = review_outcome(
        due,
        on=today,
        unprocessed_violations=_unprocessed_violations(uow, citizen),
        unprocessed_accidents=unprocessed_accidents,
        study_minutes_done=sum(e.minutes for e in study),
        cognitive_test_passed=cognitive,
        health_fit=health_fit,
    )
    ensure_allowed(decision)
    minutes = sum(e.minutes for e in study)
    test_ref = passed_test.test_ref if passed_test is not None else None
    result = {
        "cycle": {"start": cycle.start.isoformat(), "end": cycle.end.isoformat()},
        "due_by": (due.due_by or add_days(cycle.end, 30)).isoformat(),
        "study_minutes": minutes,
        "cognitive_test_ref": test_ref,
    }
    application = record_application(
        uow,
        actor,
        service_item="driver_review",
        citizen_id=citizen.id,
        state="completed",
        reasons=[*due.reasons, *decision.reasons],
        result=result,
    )
    uow.session.add(
        DriverReview(
            citizen_id=citizen.id,
            cycle_start=cycle.start,
            cycle_end=cycle.end,
            study_minutes=minutes,
            study_refs=",".join(e.ref for e in study)[:255],
            cognitive_test_ref=test_ref,
            completed_at=uow.clock.now(),
            receipt_no=application.receipt_no,
        )
    )
    return answer(application)
