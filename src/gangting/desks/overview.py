"""What a verified citizen may see at the booth: licence, points, violations, vehicles."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, union

from gangting.citizens.models import Citizen
from gangting.fines.models import PenaltyDecision
from gangting.fines.rules import FinePolicy
from gangting.fines.service import amount_view
from gangting.kernel import law
from gangting.kernel.clock import CITY_ZONE
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.licences.models import DrivingLicence
from gangting.licences.service import health_certificate_lapse, licence_view
from gangting.points import service as ledger
from gangting.vehicles.models import Vehicle
from gangting.vehicles.rules import InspectionPolicy, display_plate
from gangting.vehicles.service import get_own_vehicle, inspection_status
from gangting.violations.models import Violation, ViolationCode


def licence_summary(uow: UnitOfWork, citizen: Citizen) -> dict[str, Any]:
    licence = uow.session.execute(
        select(DrivingLicence).where(DrivingLicence.citizen_id == citizen.id)
    ).scalar_one_or_none()
    if licence is None:
        return {"licence": None, "points": None}
    cycle = ledger.current_cycle(licence, uow.clock.today())
    return {
        "licence": licence_view(
            licence,
            uow.clock.today(),
            health_lapsed=health_certificate_lapse(uow, citizen, licence, uow.clock.today()),
        ),
        "points": {
            "cycle_start": cycle.start.isoformat(),
            "cycle_end": cycle.end.isoformat(),
            "total": ledger.points_in_cycle(uow, licence, cycle),
            "deducted": ledger.deducted_in_cycle(uow, citizen.id, cycle),
            "legal_basis": [law.cite(law.SCORING, "第3条")],
        },
    }


def _violation_rows(uow: UnitOfWork, condition: Any, limit: int = 100) -> list[dict[str, Any]]:
    # Plain columns, not ORM entities: a booth screen reads, it never changes these rows.
    rows = uow.session.execute(
        select(
            Violation.ref,
            Violation.occurred_at,
            Violation.place,
            Violation.plate_no,
            Violation.state,
            ViolationCode.code,
            ViolationCode.description,
            ViolationCode.points,
            ViolationCode.camera_processable,
            PenaltyDecision.decision_no,
            PenaltyDecision.state.label("decision_state"),
        )
        .join(ViolationCode, ViolationCode.code == Violation.code)
        .outerjoin(PenaltyDecision, PenaltyDecision.violation_id == Violation.id)
        .where(condition)
        .order_by(Violation.occurred_at.desc())
        .limit(limit)
    ).all()
    return [
        {
            "ref": r.ref,
            "code": r.code,
            "description": r.description,
            "occurred_at": r.occurred_at.astimezone(CITY_ZONE).isoformat(),
            "place": r.place,
            "plate": display_plate(r.plate_no),
            "points": r.points,
            "state": r.state,
            "processable_at_booth": r.camera_processable,
            "decision": None
            if r.decision_no is None
            else {"decision_no": r.decision_no, "state": r.decision_state},
        }
        for r in rows
    ]


def violations_of_citizen(
    uow: UnitOfWork, citizen: Citizen, fine_policy: FinePolicy
) -> dict[str, Any]:
    own = (
        select(Violation.id)
        .join(Vehicle, Vehicle.id == Violation.vehicle_id)
        .where(Vehicle.owner_id == citizen.id, Violation.state == "unprocessed")
    )
    mine = select(Violation.id).where(Violation.driver_id == citizen.id)
    # A union of two index lookups; an OR across the two would scan every violation.
    open_items = _violation_rows(uow, Violation.id.in_(union(own, mine)))
    unpaid = (
        uow.session.execute(
            select(PenaltyDecision).where(
                PenaltyDecision.citizen_id == citizen.id, PenaltyDecision.state == "unpaid"
            )
        )
        .scalars()
        .all()
    )
    today = uow.clock.today()
    return {
        "violations": open_items,
        "unpaid_decisions": [amount_view(d, today, fine_policy) for d in unpaid],
    }


def vehicle_summary(
    uow: UnitOfWork, citizen: Citizen, plate: str, policy: InspectionPolicy
) -> dict[str, Any]:
    vehicle = get_own_vehicle(uow, citizen, plate)
    return {
        "plate": display_plate(vehicle.plate_no),
        "kind": vehicle.kind,
        "use": vehicle.use,
        "status": vehicle.status,
        "compulsory_insurance_until": vehicle.compulsory_insurance_until.isoformat(),
        "inspection": inspection_status(vehicle, uow.clock.today(), policy),
        "violations": _violation_rows(uow, Violation.vehicle_id == vehicle.id),
    }


def vehicles_of(uow: UnitOfWork, citizen: Citizen) -> list[str]:
    return [
        display_plate(p)
        for p in uow.session.execute(
            select(Vehicle.plate_no).where(Vehicle.owner_id == citizen.id)
        ).scalars()
    ]
