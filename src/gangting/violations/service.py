"""Processing camera-recorded violations at a booth (处理程序规定 第58条: self-service):
confirm -> penalty decision -> points recorded -> fine payable.

Each step in one unit of work: the decision, its ledger line, the violation's new state,
the application and its audit entry commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from gangting.applications.service import answer, legal_basis_of, record_application
from gangting.audit import service as audit
from gangting.citizens.models import Citizen
from gangting.fines.models import PenaltyDecision
from gangting.fines.rules import DecisionOutcome, FinePolicy, due_on, late_fee_notice
from gangting.kernel import law
from gangting.kernel.actor import Actor
from gangting.kernel.calendar import HolidayCalendar, add_days, add_years
from gangting.kernel.clock import city_date, city_midnight
from gangting.kernel.decision import Decision, Reason
from gangting.kernel.errors import DomainError
from gangting.kernel.ids import reference
from gangting.kernel.money import format_yuan
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.licences.models import DrivingLicence
from gangting.licences.rules import Cycle, LicenceStatus
from gangting.licences.service import find_licence
from gangting.points import service as points
from gangting.points.rules import (
    FullScore,
    full_score_consequences,
    learner_full_score_cancels,
    may_process_other_vehicle,
)
from gangting.referrals.service import open_objection_violations
from gangting.vehicles.models import Vehicle
from gangting.violations.errors import (
    AlreadyProcessed,
    NotProcessableAtBooth,
    OtherVehicleRefused,
    UnderObjection,
    ViolationNotFound,
)
from gangting.violations.models import Violation, ViolationCode, ViolationState
from gangting.violations.rules import FirstOffenceList, first_offence

PROCESSING_BASIS = law.cite(law.PROCEDURE, "第58条")
POINTS_AT_DECISION = law.cite(law.SCORING, "第13条")


@dataclass(frozen=True)
class FineSettings:
    policy: FinePolicy
    calendar: HolidayCalendar
    overrides_fen: dict[str, int]
    # The province's first-offence list (首违不罚); None: no act goes unpunished as one.
    first_offences: FirstOffenceList | None = None

    def fine_for(self, code: ViolationCode) -> int:
        return self.overrides_fen.get(code.code, code.fine_default_fen)


@dataclass(frozen=True)
class PlannedDecision:
    """One decision processing would make: the act, its points, fine and due date."""

    violation: Violation
    code: ViolationCode
    fine_fen: int
    due_on: date
    # Allowed: a first minor offence, decided as no penalty (行政处罚法 第33条第1款).
    leniency: Decision | None = None

    @property
    def no_penalty(self) -> bool:
        return self.leniency is not None

    @property
    def points(self) -> int:
        return 0 if self.no_penalty else self.code.points


@dataclass
class Plan:
    """What processing these violations would do, decided once for preview and process."""

    licence: DrivingLicence
    cycle: Cycle
    points_before: int
    points_after: int
    items: list[PlannedDecision] = field(default_factory=list)
    refusals: list[DomainError] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    full_score: FullScore | None = None
    # 驾驶证规定 第80条: 12 points for acts in the learner period cancel the learner class.
    learner_cancelled: bool = False

    def summary(self, decisions: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "decisions": decisions,
            "points_this_cycle": self.points_after,
            "cycle": {"start": self.cycle.start.isoformat(), "end": self.cycle.end.isoformat()},
            "total_fine_fen": sum(d["fine_fen"] for d in decisions),
            "full_score": None
            if self.full_score is None
            else {
                "study_days": self.full_score.study_days,
                "exams": [e.value for e in self.full_score.exams],
                "licence_detained": True,
            },
            "learner_class_cancelled": self.learner_cancelled,
        }


def plan_processing(
    uow: UnitOfWork,
    citizen: Citizen,
    violation_refs: list[str],
    fines: FineSettings,
    *,
    lock: bool,
) -> Plan:
    """The one decision function behind preview and process: which acts may be processed
    here, in which order (the driver's own vehicles first, 第14条), with what points, fine
    and due date, and every refusal with its reason and legal basis. Writes nothing."""
    today = uow.clock.today()
    licence = find_licence(uow, citizen.id, lock=lock)
    query = (
        select(Violation, ViolationCode, Vehicle)
        .join(ViolationCode, ViolationCode.code == Violation.code)
        .outerjoin(Vehicle, Vehicle.id == Violation.vehicle_id)
        .where(Violation.ref.in_(violation_refs))
        .order_by(Violation.occurred_at)
    )
    rows = list(uow.session.execute(query.with_for_update(of=Violation) if lock else query).all())
    cycle = points.current_cycle(licence, today)
    total = points.points_in_cycle(uow, licence, cycle)
    plan = Plan(licence, cycle, total, total)
    found = {v.ref for v, _, _ in rows}
    missing = [ref for ref in violation_refs if ref not in found]
    if missing:
        plan.refusals.append(ViolationNotFound("未查询到该违法记录", data={"refs": missing}))
    # The driver's own vehicles first: 第14条 allows them at any total.
    rows.sort(key=lambda r: (r[2] is None or r[2].owner_id != citizen.id, r[0].occurred_at))
    plan.reasons.append(
        Reason(
            "violations.self_service",
            "通过自助处理平台处理交通技术监控记录的违法行为",
            (PROCESSING_BASIS,),
        )
    )
    earlier = _earlier_acts(uow, citizen, rows, fines.first_offences)
    objected = open_objection_violations(uow, [v.id for v, _, _ in rows])
    for violation, code, vehicle in rows:
        refusal = _refusal(violation, code, vehicle, citizen, total, violation.id in objected)
        if refusal is not None:
            plan.refusals.append(refusal)
            continue
        leniency = _leniency(violation, earlier, fines.first_offences)
        item = PlannedDecision(
            violation,
            code,
            0 if leniency is not None else fines.fine_for(code),
            due_on(today, fines.policy, fines.calendar),
            leniency,
        )
        plan.items.append(item)
        if leniency is not None:
            plan.reasons.extend(
                Reason(r.code, r.message, r.legal_basis, {**r.data, "ref": violation.ref})
                for r in leniency.reasons
            )
        total += item.points
    plan.points_after = total
    plan.learner_cancelled = _learner_cancelled(uow, citizen, licence, plan.items)
    if plan.learner_cancelled:
        plan.reasons.append(
            Reason(
                "licences.learner_class_cancelled",
                "实习期内发生的交通违法行为被记满12分，注销实习的准驾车型驾驶资格",
                (law.cite(law.LICENCE, "第80条"),),
            )
        )
    elif total // 12 > plan.points_before // 12:  # crosses 12 (or another 12) in this cycle
        # the n-th 满分 of the cycle: those recorded (some may be cleared already) + 1
        count = max(total // 12, points.full_score_count(uow, citizen.id, cycle) + 1)
        plan.full_score = full_score_consequences(total, count, licence.classes.split(","))
        plan.reasons.extend(plan.full_score.reasons)
    plan.reasons.append(
        Reason(
            "fines.late_fee_notice",
            late_fee_notice(fines.policy),
            (law.cite(law.COERCION_LAW, "第45条"), law.cite(law.PENALTY_LAW, "第72条")),
        )
    )
    return plan


def _learner_cancelled(
    uow: UnitOfWork, citizen: Citizen, licence: DrivingLicence, items: list[PlannedDecision]
) -> bool:
    """驾驶证规定 第80条: do the acts committed in the learner period (the 12 months ending on
    ``learner_until``), decided before and in this batch, reach 12 points? Counted by the
    day of the act, not of the decision. The licence keeps one learner period (decision
    0028): its learner class is the licence's classes."""
    if licence.learner_until is None:
        return False
    first = add_years(add_days(licence.learner_until, 1), -1)
    new = [i for i in items if first <= city_date(i.violation.occurred_at) <= licence.learner_until]
    if not new:
        return False  # nothing added to the learner period now: no new consequence
    earlier = uow.session.execute(
        select(func.coalesce(func.sum(PenaltyDecision.points), 0))
        .join(Violation, Violation.id == PenaltyDecision.violation_id)
        .where(
            PenaltyDecision.citizen_id == citizen.id,
            Violation.occurred_at >= city_midnight(first),
            Violation.occurred_at < city_midnight(add_days(licence.learner_until, 1)),
        )
    ).scalar_one()
    return learner_full_score_cancels(int(earlier) + sum(i.points for i in new))


def _earlier_acts(
    uow: UnitOfWork,
    citizen: Citizen,
    rows: list[Any],
    listed: FirstOffenceList | None,
) -> dict[str, list[Any]]:
    """For each listed code among ``rows``: when the driver committed acts of it (the acts
    already decided in the driver's name, and the other acts of this batch). Acts still
    unprocessed outside the batch carry no driver yet and do not count."""
    if listed is None:
        return {}
    codes = {v.code for v, _, _ in rows if v.code in listed.codes}
    if not codes:
        return {}
    acts: dict[str, list[Any]] = {code: [] for code in codes}
    for code, at in uow.session.execute(
        select(Violation.code, Violation.occurred_at).where(
            Violation.driver_id == citizen.id,
            Violation.code.in_(codes),
            Violation.state == ViolationState.DECIDED,
        )
    ):
        acts[code].append(at)
    for violation, _, _ in rows:
        if violation.code in codes and violation.state == ViolationState.UNPROCESSED:
            acts[violation.code].append(violation.occurred_at)
    return acts


def _leniency(
    violation: Violation, earlier: dict[str, list[Any]], listed: FirstOffenceList | None
) -> Decision | None:
    """The first-offence rule's allowance for this act, or None (not eligible)."""
    if listed is None or violation.code not in earlier:
        return None
    verdict = first_offence(
        violation.code,
        violation.occurred_at,
        earlier[violation.code],
        harm_recorded=violation.harm_recorded,
        listed=listed,
    )
    return verdict if verdict.allowed else None


def _refusal(
    violation: Violation,
    code: ViolationCode,
    vehicle: Vehicle | None,
    citizen: Citizen,
    total: int,
    under_objection: bool = False,
) -> DomainError | None:
    if violation.state != "unprocessed":
        return AlreadyProcessed("该违法记录已处理，请勿重复处理", data={"ref": violation.ref})
    if under_objection:
        return UnderObjection(
            "该违法记录的异议正在由违法行为发生地交警部门审查，审查结束前暂不能处理",
            data={"ref": violation.ref},
            legal_basis=[law.cite(law.PROCEDURE, "第5条第3款")],
        )
    if not code.camera_processable:
        return NotProcessableAtBooth(
            "该违法行为需适用一般程序，请到交警大队窗口处理",
            data={"ref": violation.ref, "code": code.code},
            legal_basis=[law.cite(law.PROCEDURE, "第43条")],
        )
    own_vehicle = vehicle is not None and vehicle.owner_id == citizen.id
    if not own_vehicle:
        verdict = may_process_other_vehicle(total)
        if not verdict.allowed:
            return OtherVehicleRefused(
                verdict.reasons[0].message,
                data={"ref": violation.ref, "points_this_cycle": total},
                legal_basis=list(verdict.legal_basis),
            )
    return None


def preview_violations(
    uow: UnitOfWork, citizen: Citizen, violation_refs: list[str], fines: FineSettings
) -> dict[str, Any]:
    """What processing would do, without writing: decisions, points, the full-score
    consequence if reached, the late-fee notice, and every refusal with its legal basis."""
    plan = plan_processing(uow, citizen, violation_refs, fines, lock=False)
    reasons = [r.to_dict() for r in plan.reasons]
    return {
        **plan.summary([_decision_view(item, None) for item in plan.items]),
        "points_before": plan.points_before,
        "processable": not plan.refusals,
        "refusals": [exc.to_dict() for exc in plan.refusals],
        "late_fee_notice": late_fee_notice(fines.policy),
        "reasons": reasons,
        "legal_basis": legal_basis_of(plan.reasons),
    }


def process_violations(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    violation_refs: list[str],
    fines: FineSettings,
) -> dict[str, Any]:
    plan = plan_processing(uow, citizen, violation_refs, fines, lock=True)
    if plan.refusals:
        raise plan.refusals[0]
    decisions: list[dict[str, Any]] = []
    for item in plan.items:
        decision = _decide(uow, actor, citizen, item)
        if item.no_penalty:
            _audit_no_penalty(uow, actor, item, decision)
        else:
            points.record_points(
                uow,
                citizen.id,
                plan.cycle,
                decision.points,
                source_kind="decision",
                source_id=decision.decision_no,
                legal_basis=POINTS_AT_DECISION,
            )
        decisions.append(_decision_view(item, decision.decision_no))
    if plan.learner_cancelled:
        plan.licence.status = LicenceStatus.CANCELLED
    elif plan.full_score is not None:
        plan.licence.status = LicenceStatus.DETAINED
        plan.licence.had_full_score_in_validity = True
        points.open_full_score(uow, citizen.id, plan.cycle, plan.points_after, plan.full_score)
    application = record_application(
        uow,
        actor,
        service_item="process_violations",
        citizen_id=citizen.id,
        state="completed",
        reasons=plan.reasons,
        result=plan.summary(decisions),
    )
    return answer(application)


def _decide(
    uow: UnitOfWork, actor: Actor, citizen: Citizen, item: PlannedDecision
) -> PenaltyDecision:
    now = uow.clock.now()
    today = uow.clock.today()
    violation = item.violation
    # Delivered electronically at the booth the moment it is made (处理程序规定 第56条).
    decision = PenaltyDecision(
        decision_no=reference("JD", now),
        violation_id=violation.id,
        citizen_id=citizen.id,
        booth_id=actor.booth_id,
        points=item.points,
        fine_fen=item.fine_fen,
        decided_at=now,
        received_on=today,
        due_on=item.due_on,
        state="unpaid" if item.fine_fen > 0 else "paid",
        paid_on=None if item.fine_fen > 0 else today,
        pauses=[],
        legal_basis=_basis(item),
        outcome=DecisionOutcome.NO_PENALTY if item.no_penalty else DecisionOutcome.PENALTY,
    )
    uow.session.add(decision)
    violation.state = ViolationState.DECIDED
    violation.driver_id = citizen.id
    return decision  # flushed with the others: one batched INSERT for all decisions


def _basis(item: PlannedDecision) -> list[str]:
    if item.leniency is not None:
        return [*item.leniency.legal_basis, PROCESSING_BASIS]
    code = item.code
    return [b for b in (code.points_basis, code.fine_basis, PROCESSING_BASIS) if b]


def _audit_no_penalty(
    uow: UnitOfWork, actor: Actor, item: PlannedDecision, decision: PenaltyDecision
) -> None:
    assert item.leniency is not None
    audit.record(
        uow,
        actor,
        "decision.no_penalty",
        "penalty_decision",
        decision.decision_no,
        data={
            "violation_ref": item.violation.ref,
            "code": item.code.code,
            "reasons": [r.code for r in item.leniency.reasons],
            "legal_basis": list(item.leniency.legal_basis),
        },
    )


def _decision_view(item: PlannedDecision, decision_no: str | None) -> dict[str, Any]:
    code = item.code
    view: dict[str, Any] = {} if decision_no is None else {"decision_no": decision_no}
    outcome = DecisionOutcome.NO_PENALTY if item.no_penalty else DecisionOutcome.PENALTY
    return {
        **view,
        "violation_ref": item.violation.ref,
        "code": code.code,
        "description": code.description,
        "points": item.points,
        "fine_fen": item.fine_fen,
        "fine_display": format_yuan(item.fine_fen),
        "due_on": item.due_on.isoformat(),
        "outcome": outcome.value,
        "outcome_text": "不予行政处罚（首违不罚，予以教育）" if item.no_penalty else "处罚",
        "legal_basis": (
            _basis(item)
            if item.no_penalty
            else [code.points_basis, code.fine_basis, PROCESSING_BASIS]
        ),
    }


def unprocessed_violation_count(uow: UnitOfWork, vehicle: Vehicle) -> int:
    """How many of the vehicle's recorded violations are still unprocessed."""
    return int(
        uow.session.execute(
            select(func.count())
            .select_from(Violation)
            .where(Violation.vehicle_id == vehicle.id, Violation.state == "unprocessed")
        ).scalar_one()
    )
