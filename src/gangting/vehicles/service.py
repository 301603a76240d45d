"""Vehicle business at a booth: the inspection mark of an inspection-exempt vehicle
(登记规定 第55条), issued as an electronic mark (第56条) with printable data, and the
reissue of a lost or damaged mark (第57条)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from gangting.applications.service import answer, record_application
from gangting.citizens.models import Citizen
from gangting.kernel import law
from gangting.kernel.actor import Actor
from gangting.kernel.calendar import add_days
from gangting.kernel.decision import Decision, Reason
from gangting.kernel.errors import Forbidden, NotFound
from gangting.kernel.ids import reference
from gangting.kernel.refusal import ensure_allowed
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.vehicles.models import InspectionMark, Vehicle
from gangting.vehicles.rules import (
    InspectionAction,
    InspectionPolicy,
    Use,
    VehicleKind,
    VehicleStatus,
    display_plate,
    inspection_due,
    inspection_mark_eligibility,
    mark_reissue_allowed,
    mark_window_open,
    parse_plate,
)

_ART56 = law.cite(law.REGISTRATION, "第56条")


class VehicleNotFound(NotFound):
    code = "vehicles.not_found"


class NotOwner(Forbidden):
    code = "vehicles.not_owner"


def get_own_vehicle(
    uow: UnitOfWork, citizen: Citizen, plate_text: str, *, lock: bool = False
) -> Vehicle:
    plate = parse_plate(plate_text)
    query = select(Vehicle).where(Vehicle.plate_no == plate.value)
    if lock:
        query = query.with_for_update()
    vehicle = uow.session.execute(query).scalar_one_or_none()
    if vehicle is None:
        raise VehicleNotFound("未查询到该号牌的机动车", data={"plate": display_plate(plate.value)})
    if vehicle.owner_id != citizen.id:
        raise NotOwner("只能办理本人名下机动车的业务", data={"plate": display_plate(plate.value)})
    return vehicle


def due_for(vehicle: Vehicle, on: date, policy: InspectionPolicy) -> Any:
    return inspection_due(
        vehicle.registered_on,
        VehicleKind(vehicle.kind),
        Use(vehicle.use),
        vehicle.seats,
        vehicle.is_van,
        policy=policy,
        on=on,
        illegally_modified=vehicle.illegally_modified,
        injury_accident=vehicle.injury_accident,
    )


def inspection_status(vehicle: Vehicle, today: date, policy: InspectionPolicy) -> dict[str, Any]:
    due = due_for(vehicle, vehicle.inspection_valid_until, policy)
    return {
        "valid_until": vehicle.inspection_valid_until.isoformat(),
        "overdue": today > vehicle.inspection_valid_until,
        "action": due.action.value,
        "window_opens_on": due.window_opens_on.isoformat(),
        "reasons": [r.to_dict() for r in due.reasons],
    }


def issue_inspection_mark(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    plate_text: str,
    policy: InspectionPolicy,
    unprocessed_violations: Callable[[UnitOfWork, Vehicle], int],
) -> dict[str, Any]:
    """Issue the electronic inspection mark. ``unprocessed_violations`` counts the vehicle's
    violations not yet processed (the violations domain answers it; vehicles sit below it)."""
    today = uow.clock.today()
    vehicle = get_own_vehicle(uow, citizen, plate_text, lock=True)
    current = due_for(vehicle, vehicle.inspection_valid_until, policy)
    if current.action is not InspectionAction.APPLY_MARK:
        ensure_allowed(
            Decision.refuse(
                *current.reasons[:1],
                Reason(
                    "vehicles.not_exempt_this_cycle",
                    "本检验周期不属于免检申领检验标志的情形，请到机动车安全技术检验机构上线检验",
                    (law.cite(law.REGISTRATION, "第54条"),),
                ),
            )
        )
    window = mark_window_open(vehicle.inspection_valid_until, today, policy=policy)
    ensure_allowed(window)
    eligibility = inspection_mark_eligibility(
        on=today,
        compulsory_insurance_until=vehicle.compulsory_insurance_until,
        vehicle_tax_ok=vehicle.vehicle_tax_ok,
        unprocessed_violations=unprocessed_violations(uow, vehicle),
        unprocessed_accidents=vehicle.unprocessed_accidents,
        vehicle_status=VehicleStatus(vehicle.status),
        policy=policy,
    )
    ensure_allowed(eligibility)
    following = due_for(vehicle, add_days(vehicle.inspection_valid_until, 1), policy)
    now = uow.clock.now()
    mark_no = reference("BZ", now)
    data = {
        "mark_no": mark_no,
        "plate": display_plate(vehicle.plate_no),
        "vehicle_kind": vehicle.kind,
        "valid_until": following.valid_until.strftime("%Y-%m"),
        "issued_on": today.isoformat(),
        "issuer": "包头市公安局交通管理支队",
        "title": "机动车检验合格标志（电子）",
        "legal_note": "电子检验合格标志与纸质标志具有同等效力（机动车登记规定 第56条）",
    }
    uow.session.add(
        InspectionMark(
            mark_no=mark_no,
            vehicle_id=vehicle.id,
            period_key=f"{vehicle.id}:{following.valid_until.isoformat()}",
            valid_until=following.valid_until,
            issued_at=now,
            data=data,
        )
    )
    vehicle.inspection_valid_until = following.valid_until
    reasons = [
        *current.reasons,
        *window.reasons,
        *eligibility.reasons,
        Reason("vehicles.e_mark_issued", "核发电子检验合格标志，与纸质标志具有同等效力", (_ART56,)),
    ]
    application = record_application(
        uow,
        actor,
        service_item="inspection_mark",
        citizen_id=citizen.id,
        state="completed",
        reasons=reasons,
        result={"mark": data},
    )
    return answer(application)


REISSUE_ZH = {"lost": "丢失、灭失", "damaged": "损毁"}


def reissue_inspection_mark(
    uow: UnitOfWork, actor: Actor, citizen: Citizen, plate_text: str, reason: str
) -> dict[str, Any]:
    """Reissue (补领) a lost or exchange (换领) a damaged inspection mark at once, for the
    inspection period now valid, when the 交强险 is valid (登记规定 第57条). The new mark
    replaces the latest one of the period, which is void from now on; the owner proves who
    he is at the booth (ID card + live face), as 第57条 allows."""
    today = uow.clock.today()
    vehicle = get_own_vehicle(uow, citizen, plate_text, lock=True)
    verdict = mark_reissue_allowed(
        on=today,
        compulsory_insurance_until=vehicle.compulsory_insurance_until,
        inspection_valid_until=vehicle.inspection_valid_until,
        vehicle_status=VehicleStatus(vehicle.status),
    )
    ensure_allowed(verdict)
    period = vehicle.inspection_valid_until
    earlier = list(
        uow.session.execute(
            select(InspectionMark)
            .where(InspectionMark.vehicle_id == vehicle.id, InspectionMark.valid_until == period)
            .order_by(InspectionMark.issued_at)
        ).scalars()
    )
    replaced = earlier[-1] if earlier else None
    now = uow.clock.now()
    mark_no = reference("BZ", now)
    data = {
        "mark_no": mark_no,
        "plate": display_plate(vehicle.plate_no),
        "vehicle_kind": vehicle.kind,
        "valid_until": period.strftime("%Y-%m"),
        "issued_on": today.isoformat(),
        "issuer": "包头市公安局交通管理支队",
        "title": "机动车检验合格标志（电子）",
        "legal_note": "电子检验合格标志与纸质标志具有同等效力（机动车登记规定 第56条）",
        "replaces": replaced.mark_no if replaced is not None else None,
        "reissue_reason": reason,
    }
    uow.session.add(
        InspectionMark(
            mark_no=mark_no,
            vehicle_id=vehicle.id,
            # the period's reissue n (the first issue's key is "{id}:{date}"); fits 48
            period_key=f"{vehicle.id.hex}:{period:%Y%m%d}:r{len(earlier)}",
            valid_until=period,
            issued_at=now,
            data=data,
        )
    )
    reasons = [
        *verdict.reasons,
        Reason(
            "vehicles.mark_reissued",
            f"检验合格标志{REISSUE_ZH[reason]}，"
            + ("补发" if reason == "lost" else "换发")
            + "电子检验合格标志，原标志作废",
            (law.cite(law.REGISTRATION, "第57条"), _ART56),
        ),
    ]
    application = record_application(
        uow,
        actor,
        service_item="inspection_mark_reissue",
        citizen_id=citizen.id,
        state="completed",
        reasons=reasons,
        result={"mark": data},
    )
    return answer(application)
