"""Referrals (转办) and objections (异议) at the desks: the booth refers what it cannot finish
and files the citizen's objection to a camera record; the responsible unit moves the
referral; the citizen supplies what the unit asked for. Each step: referrals.service (history,
audit, the text message after commit); here the cross-domain parts: the application filed
beside it (pending, so its visit counts as referred), the unit an objection goes to, and an
upheld objection erasing the violation (处理程序规定 第5条第3款: "异议成立的，予以消除")."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import select

from gangting.applications.models import Application
from gangting.applications.rules import SERVICE_ZH
from gangting.applications.service import answer, record_application
from gangting.audit import service as audit
from gangting.booths.models import Booth
from gangting.citizens.models import Citizen
from gangting.config import Settings
from gangting.geo.districts import baotou_districts
from gangting.integrations.notifications import Notifier
from gangting.kernel.actor import Actor
from gangting.kernel.calendar import HolidayCalendar
from gangting.kernel.decision import Reason
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.referrals import service as referrals
from gangting.referrals.errors import (
    ObjectionNotAllowed,
    ReferralNotFound,
    ServiceItemUnknown,
    StatementRequired,
    UnitUnknown,
)
from gangting.referrals.models import Referral
from gangting.referrals.rules import (
    OBJECTION_BASIS,
    WORKING_DAYS_BASIS,
    Outcome,
    ReferralKind,
    Step,
    brigade_of,
    due_on,
    place_district,
)
from gangting.referrals.service import Materials, ReferralTerms
from gangting.staff.models import OrgUnit, OrgUnitKind
from gangting.staff.service import require_role
from gangting.vehicles.models import Vehicle
from gangting.violations.errors import ViolationNotFound
from gangting.violations.models import Violation, ViolationState

OBJECTION_ITEM = "file_objection"
# What a booth may refer: its own service items (not the referral's own items).
REFERABLE = frozenset(SERVICE_ZH) - {OBJECTION_ITEM, "supply_referral", "refer_application"}


def referral_terms(settings: Settings, calendar: HolidayCalendar) -> ReferralTerms:
    return ReferralTerms(settings.referral_working_days, calendar)


def _unit_by_code(uow: UnitOfWork, code: str) -> OrgUnit:
    unit = uow.session.execute(select(OrgUnit).where(OrgUnit.code == code)).scalar_one_or_none()
    if unit is None:
        raise UnitUnknown("未找到该承办单位", data={"unit_code": code})
    return unit


def _detachment(uow: UnitOfWork) -> OrgUnit:
    unit = uow.session.execute(
        select(OrgUnit)
        .where(OrgUnit.parent_id.is_(None), OrgUnit.kind == OrgUnitKind.DETACHMENT)
        .order_by(OrgUnit.code)
        .limit(1)
    ).scalar_one_or_none()
    if unit is None:
        raise UnitUnknown("未配置交管支队，无法转办", data={})
    return unit


def booth_brigade(uow: UnitOfWork, actor: Actor) -> OrgUnit:
    """The default responsible unit of a booth's referral: the brigade (大队) above the
    booth's squadron, or the booth's own unit when it hangs under a brigade or higher."""
    booth = uow.session.get(Booth, actor.booth_id) if actor.booth_id else None
    unit = uow.session.get(OrgUnit, booth.org_unit_id) if booth is not None else None
    if unit is None:
        return _detachment(uow)
    if unit.kind == OrgUnitKind.SQUADRON and unit.parent_id is not None:
        parent = uow.session.get(OrgUnit, unit.parent_id)
        if parent is not None:
            return parent
    return unit


def objection_unit(uow: UnitOfWork, place: str) -> OrgUnit:
    """The unit of the violation's place (第5条第3款: 违法行为发生地): the district the place
    text starts with (referrals.rules.place_district), that district's brigade
    (rules.brigade_of: "…<district>大队"); the detachment when either is not found."""
    districts = {code: shape.name for code, shape in baotou_districts().items()}
    code = place_district(place, districts)
    if code is None:
        return _detachment(uow)
    brigades = {
        u.code: u.name
        for u in uow.session.execute(
            select(OrgUnit).where(OrgUnit.kind == OrgUnitKind.BRIGADE)
        ).scalars()
    }
    brigade = brigade_of(districts[code], brigades)
    return _unit_by_code(uow, brigade) if brigade is not None else _detachment(uow)


def refer_application(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    *,
    service_item: str,
    unit_code: str | None,
    reason: str,
    materials: Materials,
    terms: ReferralTerms,
    notifier: Notifier | None,
) -> dict[str, Any]:
    """The booth cannot finish ``service_item``: file the application (pending: its visit
    counts as referred) and refer it to ``unit_code`` (default: the booth's brigade)."""
    if service_item not in REFERABLE:
        raise ServiceItemUnknown("不支持转办该事项", data={"service_item": service_item})
    unit = _unit_by_code(uow, unit_code) if unit_code else booth_brigade(uow, actor)
    due = due_on(ReferralKind.REFERRAL, uow.clock.today(), terms.working_days, terms.calendar)
    application = record_application(
        uow,
        actor,
        service_item=service_item,
        citizen_id=citizen.id,
        state="pending",
        reasons=[
            Reason(
                "referrals.referred",
                f"该事项需由{unit.name}办理，已转办，办理期限至{due.isoformat()}，"
                "办理进展将以短信告知",
                (),
                {"unit": unit.code, "due_on": due.isoformat()},
            )
        ],
        result={},
    )
    referral = referrals.refer(
        uow,
        actor,
        citizen,
        application,
        unit,
        kind=ReferralKind.REFERRAL,
        reason=reason,
        materials=materials,
        terms=terms,
        notifier=notifier,
    )
    return _answer(uow, application, referral)


def file_objection(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    *,
    violation_ref: str,
    statement: str,
    evidence_refs: list[str],
    terms: ReferralTerms,
    notifier: Notifier | None,
) -> dict[str, Any]:
    """The citizen's objection to their own unprocessed camera record (第5条第3款): a referral
    to the unit of the place, due in 5 working days; the act is not processed meanwhile."""
    violation = uow.session.execute(
        select(Violation).where(Violation.ref == violation_ref).with_for_update()
    ).scalar_one_or_none()
    vehicle = (
        uow.session.get(Vehicle, violation.vehicle_id)
        if violation is not None and violation.vehicle_id is not None
        else None
    )
    own = violation is not None and (
        violation.driver_id == citizen.id
        or (vehicle is not None and vehicle.owner_id == citizen.id)
    )
    if violation is None or not own:
        raise ViolationNotFound("未查询到您名下的该违法记录", data={"ref": violation_ref})
    if violation.state != ViolationState.UNPROCESSED:
        raise ObjectionNotAllowed(
            "该违法记录已处理或已消除，不能再提出异议；对处罚决定不服的，可依法申请行政复议或提起行政诉讼",
            data={"ref": violation_ref, "state": violation.state.value},
            legal_basis=[OBJECTION_BASIS],
        )
    if len(statement.strip()) < 2:
        raise StatementRequired("请陈述异议的事实和理由（2至500字）", legal_basis=[OBJECTION_BASIS])
    unit = objection_unit(uow, violation.place)
    due = due_on(ReferralKind.OBJECTION, uow.clock.today(), terms.working_days, terms.calendar)
    application = record_application(
        uow,
        actor,
        service_item=OBJECTION_ITEM,
        citizen_id=citizen.id,
        state="pending",
        reasons=[
            Reason(
                "objections.filed",
                f"异议已提交至违法行为发生地{unit.name}，应在{due.isoformat()}前审查完毕"
                "（五个工作日）；审查期间该违法记录暂不处理，审查结果将以短信告知",
                (OBJECTION_BASIS, WORKING_DAYS_BASIS),
                {"ref": violation_ref, "unit": unit.code, "due_on": due.isoformat()},
            )
        ],
        result={},
    )
    referral = referrals.refer(
        uow,
        actor,
        citizen,
        application,
        unit,
        kind=ReferralKind.OBJECTION,
        reason=statement,
        materials=Materials(
            evidence_refs=evidence_refs,
            documents=[violation.evidence_ref],
            data={
                "violation_ref": violation.ref,
                "code": violation.code,
                "place": violation.place,
                "plate_no": violation.plate_no,
                "occurred_at": violation.occurred_at.astimezone(UTC).isoformat(),
            },
        ),
        terms=terms,
        notifier=notifier,
        violation_id=violation.id,
    )
    return _answer(uow, application, referral)


def _answer(uow: UnitOfWork, application: Application, referral: Referral) -> dict[str, Any]:
    view = referrals.referral_view(uow, referral, staff=False)
    application.result = {**application.result, "referral": view}
    uow.session.flush()
    return answer(application)


def citizen_referral(uow: UnitOfWork, citizen: Citizen, referral_no: str) -> dict[str, Any]:
    """The citizen's own referral or objection with its steps."""
    referral = referrals.find_referral(uow, referral_no)
    if referral.citizen_id != citizen.id:
        raise ReferralNotFound("未查询到该转办事项", data={"referral_no": referral_no})
    return referrals.referral_view(uow, referral, staff=False)


def supply(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    referral_no: str,
    note: str | None,
    materials: Materials,
    terms: ReferralTerms,
    notifier: Notifier | None,
) -> dict[str, Any]:
    """The citizen supplies what the unit asked for, at a booth: back to accepted, the
    deadline extended by the working days the unit waited."""
    referral = referrals.find_referral(uow, referral_no, lock=True)
    if referral.citizen_id != citizen.id:
        raise ReferralNotFound("未查询到该转办事项", data={"referral_no": referral_no})
    referrals.take_step(
        uow, actor, referral, Step.SUPPLY, note, terms=terms, notifier=notifier, materials=materials
    )
    return referrals.referral_view(uow, referral, staff=False)


def staff_step(
    uow: UnitOfWork,
    actor: Actor,
    referral_no: str,
    step: Step,
    note: str | None,
    terms: ReferralTerms,
    notifier: Notifier | None,
    outcome: Outcome | None = None,
) -> dict[str, Any]:
    """A step of the responsible unit (officer and above, within scope). Answering an
    objection takes a supervisor; upheld, the violation is erased (audited)."""
    referral = referrals.staff_referral(uow, actor, referral_no, lock=True)
    objection = referral.kind == ReferralKind.OBJECTION
    if objection and step == Step.FINISH:
        require_role(actor, "supervisor")
    violation = (
        uow.session.execute(
            select(Violation).where(Violation.id == referral.violation_id).with_for_update()
        ).scalar_one_or_none()
        if objection and referral.violation_id is not None
        else None
    )
    referrals.take_step(
        uow,
        actor,
        referral,
        step,
        note,
        terms=terms,
        notifier=notifier,
        outcome=outcome if objection else None,
    )
    if (
        step == Step.FINISH
        and outcome == Outcome.UPHELD
        and violation is not None
        and violation.state == ViolationState.UNPROCESSED
    ):
        violation.state = ViolationState.ERASED
        uow.session.flush()
        audit.record(
            uow,
            actor,
            "violation.erased",
            "violation",
            violation.ref,
            reason=referral.note,
            data={"referral_no": referral.referral_no, "basis": OBJECTION_BASIS},
        )
    return referrals.referral_view(uow, referral, staff=True)


def staff_view(uow: UnitOfWork, actor: Actor, referral_no: str) -> dict[str, Any]:
    return referrals.referral_view(
        uow, referrals.staff_referral(uow, actor, referral_no), staff=True
    )
