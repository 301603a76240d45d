"""Study deductions (学法减分, 记分办法 第25–27条) reported by the learning platform."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from gangting.applications.service import answer, record_application
from gangting.citizens.models import Citizen
from gangting.desks.driver_review import review_overdue_for
from gangting.detection.models import DetectionCase
from gangting.detection.rules import CaseState, Pattern
from gangting.fines.models import PenaltyDecision
from gangting.integrations.learning import LearningPlatform
from gangting.kernel import law
from gangting.kernel.actor import Actor
from gangting.kernel.calendar import add_years
from gangting.kernel.clock import city_midnight
from gangting.kernel.decision import Decision, Reason
from gangting.kernel.errors import Conflict, NotFound
from gangting.kernel.refusal import ensure_allowed
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.licences.models import DrivingLicence
from gangting.licences.rules import LicenceStatus
from gangting.licences.service import lock_licence
from gangting.points import service as ledger
from gangting.points.models import PointEntry, StudyDeduction
from gangting.points.rules import DeductionWay, deduction_points, study_deduction_eligibility
from gangting.vehicles.models import Vehicle
from gangting.vehicles.rules import VehicleStatus, deregistration_due
from gangting.violations.models import Violation, ViolationCode

_A = law.SCORING
# Catalogue keys of the acts named in 第26条(二): drink-driving, hit-and-run, forged or
# another vehicle's plates/documents.
SERIOUS_CODES = frozenset({"1711", "1702", "GT-R31", "1705", "5701", "5704"})
# Detection patterns of point trading (买分卖分, 记分办法 第30条) whose case names the driver.
POINT_TRADING_PATTERNS = frozenset(
    {Pattern.POINTS_MANY_OWNERS, Pattern.POINTS_REPEAT_TAKER, Pattern.POINTS_DENSE_BLOCK}
)
WAY_ZH = {"online": "网上学习", "onsite": "现场学习", "public_welfare": "交通安全公益活动"}


class CompletionNotFound(NotFound):
    code = "points.study_not_found"


class CompletionNotYours(Conflict):
    code = "points.study_not_yours"


def _full_score_records(uow: UnitOfWork, citizen: Citizen, starts: list[date]) -> int:
    rows = uow.session.execute(
        select(PointEntry.cycle_start, func.sum(PointEntry.points))
        .where(
            PointEntry.citizen_id == citizen.id,
            PointEntry.cycle_start.in_(starts),
            PointEntry.points > 0,
        )
        .group_by(PointEntry.cycle_start)
    ).all()
    return sum(int(total) // 12 for _, total in rows)


def _serious_offences(uow: UnitOfWork, citizen: Citizen, since: date) -> int:
    return int(
        uow.session.execute(
            select(func.count())
            .select_from(PenaltyDecision)
            .join(Violation, Violation.id == PenaltyDecision.violation_id)
            .where(
                PenaltyDecision.citizen_id == citizen.id,
                Violation.code.in_(SERIOUS_CODES),
                Violation.occurred_at >= city_midnight(since),
            )
        ).scalar_one()
    )


def _pending_points(uow: UnitOfWork, citizen: Citizen) -> int:
    total = uow.session.execute(
        select(func.coalesce(func.sum(ViolationCode.points), 0))
        .select_from(Violation)
        .join(ViolationCode, ViolationCode.code == Violation.code)
        .join(Vehicle, Vehicle.id == Violation.vehicle_id)
        .where(Vehicle.owner_id == citizen.id, Violation.state == "unprocessed")
    ).scalar_one()
    return int(total)


def _owns_vehicle_due_for_deregistration(uow: UnitOfWork, citizen: Citizen) -> bool:
    """第26条(四): a vehicle in the driver's name that should have been deregistered."""
    statuses = uow.session.execute(
        select(Vehicle.status).where(Vehicle.owner_id == citizen.id)
    ).scalars()
    return any(deregistration_due(VehicleStatus(s)) for s in statuses)


def _point_trading_case(uow: UnitOfWork, citizen: Citizen, since: date) -> bool:
    """第26条(五) as the city applies it (decision 0028): an open or confirmed point-trading
    case (a detection case of 买分卖分) naming the driver as its subject, seen within the last
    three cycles. A case judged a false alarm does not count."""
    found = uow.session.execute(
        select(func.count())
        .select_from(DetectionCase)
        .where(
            DetectionCase.pattern.in_([p.value for p in POINT_TRADING_PATTERNS]),
            DetectionCase.subject_id == str(citizen.id),
            DetectionCase.state.in_([CaseState.OPEN.value, CaseState.CONFIRMED.value]),
            DetectionCase.last_seen_at >= city_midnight(since),
        )
    ).scalar_one()
    return int(found) > 0


def _eligibility(
    uow: UnitOfWork, citizen: Citizen, licence: DrivingLicence
) -> tuple[Decision, int, int]:
    today = uow.clock.today()
    cycle = ledger.current_cycle(licence, today)
    previous_start = add_years(cycle.start, -1)
    current = ledger.points_in_cycle(uow, licence, cycle)
    deducted = ledger.deducted_in_cycle(uow, citizen.id, cycle)
    overdue_vehicle = uow.session.execute(
        select(func.count())
        .select_from(Vehicle)
        .where(
            Vehicle.owner_id == citizen.id,
            Vehicle.inspection_valid_until < today,
            Vehicle.status == "normal",
        )
    ).scalar_one()
    decision = study_deduction_eligibility(
        total_after_processing=current + _pending_points(uow, citizen),
        deducted_this_cycle=deducted,
        full_score_records_current_or_previous_cycle=_full_score_records(
            uow, citizen, [cycle.start, previous_start]
        ),
        serious_offences_last_3_cycles=_serious_offences(uow, citizen, add_years(cycle.start, -2)),
        in_learner_period=licence.learner_until is not None and today <= licence.learner_until,
        review_overdue=review_overdue_for(uow, citizen, licence, today),
        licence_status=LicenceStatus(licence.status),
        owns_overdue_inspection_vehicle=bool(overdue_vehicle),
        owns_underegistered_vehicle=_owns_vehicle_due_for_deregistration(uow, citizen),
        fraud_last_3_cycles=_point_trading_case(uow, citizen, add_years(cycle.start, -2)),
    )
    return decision, current, deducted


def record_study_deduction(
    uow: UnitOfWork, actor: Actor, citizen: Citizen, study_ref: str, platform: LearningPlatform
) -> dict[str, Any]:
    completion = platform.find_completion(study_ref)
    if completion is None:
        raise CompletionNotFound("学习平台未查询到该学习记录", data={"study_ref": study_ref})
    if completion.id_number != citizen.id_number:
        raise CompletionNotYours("该学习记录不属于本人", data={"study_ref": study_ref})
    already = uow.session.execute(
        select(StudyDeduction).where(StudyDeduction.platform_ref == study_ref)
    ).scalar_one_or_none()
    if already is not None:
        raise Conflict(
            "该学习记录已用于减分", code="points.study_already_used", data={"study_ref": study_ref}
        )
    licence = lock_licence(uow, citizen.id)
    decision, current, deducted = _eligibility(uow, citizen, licence)
    ensure_allowed(decision)
    way = DeductionWay(completion.way)
    if way is DeductionWay.PUBLIC_WELFARE:
        amount: int | Decimal = Decimal(completion.minutes) / 60
    else:
        amount = 1 if completion.minutes >= (30 if way is DeductionWay.ONLINE else 60) else 0
    points = deduction_points(way, amount, completion.exam_passed, current, deducted)
    if points <= 0:
        ensure_allowed(
            Decision.refuse(
                Reason(
                    "points.study_not_enough",
                    "学习时长或考试结果未达到减分条件，或本周期减分已达上限（6分）",
                    (f"{_A} 第25条", f"{_A} 第27条"),
                )
            )
        )
    cycle = ledger.current_cycle(licence, uow.clock.today())
    uow.session.add(
        StudyDeduction(
            citizen_id=citizen.id,
            cycle_start=cycle.start,
            way=way.value,
            points=points,
            platform_ref=study_ref,
            recorded_at=uow.clock.now(),
        )
    )
    ledger.record_points(
        uow,
        citizen.id,
        cycle,
        -points,
        source_kind="deduction",
        source_id=study_ref,
        legal_basis=f"{_A} 第27条",
    )
    reasons = [
        *decision.reasons,
        Reason(
            "points.deducted",
            f"{WAY_ZH[way.value]}合格，减免{points}分",
            (f"{_A} 第27条",),
            {"points": points},
        ),
    ]
    result = {
        "points_deducted": points,
        "points_this_cycle": current - points,
        "deducted_this_cycle": deducted + points,
    }
    application = record_application(
        uow,
        actor,
        service_item="study_deduction",
        citizen_id=citizen.id,
        state="completed",
        reasons=reasons,
        result=result,
    )
    return answer(application)
