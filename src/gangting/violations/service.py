"""Processing camera-recorded violations at a booth (处理程序规定 第58条: self-service):
confirm -> penalty decision -> points recorded -> fine payable.

Each step in one unit of work: the decision, its ledger line, the violation's new state,
the application and its audit entry commit together or not at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from gangting.applications.service import answer, record_application
from gangting.citizens.models import Citizen
from gangting.fines.models import PenaltyDecision
from gangting.fines.rules import FinePolicy, due_on, late_fee_notice
from gangting.kernel import law
from gangting.kernel.actor import Actor
from gangting.kernel.calendar import HolidayCalendar
from gangting.kernel.decision import Reason
from gangting.kernel.ids import reference
from gangting.kernel.money import format_yuan
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.licences.models import DrivingLicence
from gangting.points import service as points
from gangting.points.rules import full_score_consequences, may_process_other_vehicle
from gangting.vehicles.models import Vehicle
from gangting.violations.errors import (
    AlreadyProcessed,
    NoLicence,
    NotProcessableAtBooth,
    OtherVehicleRefused,
    ViolationNotFound,
)
from gangting.violations.models import Violation, ViolationCode

PROCESSING_BASIS = law.cite(law.PROCEDURE, "第58条")
POINTS_AT_DECISION = law.cite(law.SCORING, "第13条")


@dataclass(frozen=True)
class FineSettings:
    policy: FinePolicy
    calendar: HolidayCalendar
    overrides_fen: dict[str, int]

    def fine_for(self, code: ViolationCode) -> int:
        return self.overrides_fen.get(code.code, code.fine_default_fen)


def lock_licence(uow: UnitOfWork, citizen_id: uuid.UUID) -> DrivingLicence:
    """The citizen's licence, locked: point changes for one driver are serialised."""
    licence = uow.session.execute(
        select(DrivingLicence).where(DrivingLicence.citizen_id == citizen_id).with_for_update()
    ).scalar_one_or_none()
    if licence is None:
        raise NoLicence("未查询到您的机动车驾驶证信息，请到车管所窗口办理")
    return licence


def process_violations(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    violation_refs: list[str],
    fines: FineSettings,
) -> dict[str, Any]:
    today = uow.clock.today()
    licence = lock_licence(uow, citizen.id)
    rows = list(
        uow.session.execute(
            select(Violation, ViolationCode, Vehicle)
            .join(ViolationCode, ViolationCode.code == Violation.code)
            .outerjoin(Vehicle, Vehicle.id == Violation.vehicle_id)
            .where(Violation.ref.in_(violation_refs))
            .order_by(Violation.occurred_at)
            .with_for_update(of=Violation)
        ).all()
    )
    found = {v.ref for v, _, _ in rows}
    missing = [ref for ref in violation_refs if ref not in found]
    if missing:
        raise ViolationNotFound("未查询到该违法记录", data={"refs": missing})
    cycle = points.current_cycle(licence, today)
    total = points.points_in_cycle(uow, licence, cycle)
    total_before = total
    # The driver's own vehicles first: 第14条 allows them at any total.
    rows.sort(key=lambda r: (r[2] is None or r[2].owner_id != citizen.id, r[0].occurred_at))
    decisions: list[dict[str, Any]] = []
    reasons: list[Reason] = [
        Reason(
            "violations.self_service",
            "通过自助处理平台处理交通技术监控记录的违法行为",
            (PROCESSING_BASIS,),
        ),
    ]
    for violation, code, vehicle in rows:
        if violation.state != "unprocessed":
            raise AlreadyProcessed("该违法记录已处理，请勿重复处理", data={"ref": violation.ref})
        if not code.camera_processable:
            raise NotProcessableAtBooth(
                "该违法行为需适用一般程序，请到交警大队窗口处理",
                data={"ref": violation.ref, "code": code.code},
                legal_basis=[law.cite(law.PROCEDURE, "第43条")],
            )
        own_vehicle = vehicle is not None and vehicle.owner_id == citizen.id
        if not own_vehicle:
            verdict = may_process_other_vehicle(total)
            if not verdict.allowed:
                raise OtherVehicleRefused(
                    verdict.reasons[0].message,
                    data={"ref": violation.ref, "points_this_cycle": total},
                    legal_basis=list(verdict.legal_basis),
                )
        decision = _decide(uow, actor, citizen, violation, code, fines)
        points.record_points(
            uow,
            citizen.id,
            cycle,
            decision.points,
            source_kind="decision",
            source_id=decision.decision_no,
            legal_basis=POINTS_AT_DECISION,
        )
        total += decision.points
        decisions.append(_decision_view(decision, violation, code))
    full_score = None
    if total // 12 > total_before // 12:  # crossed 12 (or another 12) in this cycle
        consequences = full_score_consequences(total, total // 12, licence.classes.split(","))
        licence.status = "detained"
        licence.had_full_score_in_validity = True
        reasons.extend(consequences.reasons)
        full_score = {
            "study_days": consequences.study_days,
            "exams": [e.value for e in consequences.exams],
            "licence_detained": True,
        }
    reasons.append(
        Reason(
            "fines.late_fee_notice",
            late_fee_notice(fines.policy),
            (law.cite(law.COERCION_LAW, "第45条"), law.cite(law.PENALTY_LAW, "第72条")),
        )
    )
    result: dict[str, Any] = {
        "decisions": decisions,
        "points_this_cycle": total,
        "cycle": {"start": cycle.start.isoformat(), "end": cycle.end.isoformat()},
        "total_fine_fen": sum(d["fine_fen"] for d in decisions),
        "full_score": full_score,
    }
    application = record_application(
        uow,
        actor,
        service_item="process_violations",
        citizen_id=citizen.id,
        state="completed",
        reasons=reasons,
        result=result,
    )
    return answer(application)


def _decide(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    violation: Violation,
    code: ViolationCode,
    fines: FineSettings,
) -> PenaltyDecision:
    now = uow.clock.now()
    today = uow.clock.today()
    fine_fen = fines.fine_for(code)
    # Delivered electronically at the booth the moment it is made (处理程序规定 第56条).
    decision = PenaltyDecision(
        decision_no=reference("JD", now),
        violation_id=violation.id,
        citizen_id=citizen.id,
        booth_id=actor.booth_id,
        points=code.points,
        fine_fen=fine_fen,
        decided_at=now,
        received_on=today,
        due_on=due_on(today, fines.policy, fines.calendar),
        state="unpaid" if fine_fen > 0 else "paid",
        paid_on=None if fine_fen > 0 else today,
        pauses=[],
        legal_basis=[code.points_basis, code.fine_basis, PROCESSING_BASIS],
    )
    uow.session.add(decision)
    violation.state = "decided"
    violation.driver_id = citizen.id
    return decision  # flushed with the others: one batched INSERT for all decisions


def _decision_view(
    decision: PenaltyDecision, violation: Violation, code: ViolationCode
) -> dict[str, Any]:
    return {
        "decision_no": decision.decision_no,
        "violation_ref": violation.ref,
        "code": code.code,
        "description": code.description,
        "points": decision.points,
        "fine_fen": decision.fine_fen,
        "fine_display": format_yuan(decision.fine_fen),
        "due_on": decision.due_on.isoformat(),
        "legal_basis": decision.legal_basis,
    }
