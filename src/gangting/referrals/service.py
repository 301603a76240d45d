"""Referrals (转办): open one for a booth application, move it step by step (the responsible
unit accepts, asks for more, finishes or declines; the citizen supplies what was asked),
list them within a staff member's scope, and find the overdue ones for the worker's sweep.

Every step is written with its history row and its audit entry in the caller's unit of
work; the citizen's text message is queued to go after commit (``Notifier``). Idempotency
is the caller's: each staff or booth write goes through the idempotent write path, and a
step that no longer applies to the state is a named refusal, never a second step.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from gangting.applications.models import Application, ApplicationState
from gangting.applications.rules import SERVICE_ZH
from gangting.audit import service as audit
from gangting.citizens.models import Citizen
from gangting.citizens.rules import mask_id_number
from gangting.integrations.notifications import Notifier
from gangting.kernel.actor import Actor
from gangting.kernel.calendar import HolidayCalendar
from gangting.kernel.ids import new_id, reference
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.referrals.errors import (
    MaterialsInvalid,
    NoteRequired,
    ObjectionOpen,
    OutcomeRequired,
    ReasonRequired,
    ReferralNotFound,
    ReferralStepRefused,
)
from gangting.referrals.models import Referral, ReferralStep
from gangting.referrals.rules import (
    KIND_ZH,
    OBJECTION_BASIS,
    OPEN_STATES,
    OUTCOME_ZH,
    STATE_ZH,
    STEP_ZH,
    WORKING_DAYS_BASIS,
    Outcome,
    ReferralKind,
    ReferralState,
    Step,
    due_on,
    extended_due_on,
    is_overdue,
    material_refs,
    next_state,
    note_text,
    notice_text,
)
from gangting.staff.models import OrgUnit
from gangting.staff.scope import require_scope, scope_filter
from gangting.staff.service import require_role

log = logging.getLogger("gangting.referrals")
REFERRAL_PREFIX = "ZB"  # 转办
OBJECTION_PREFIX = "YY"  # 异议


@dataclass(frozen=True)
class Materials:
    """What the booth collected: evidence keys (photos), document references and the
    application's own data."""

    evidence_refs: Sequence[str] = ()
    documents: Sequence[str] = ()
    data: dict[str, Any] = field(default_factory=dict)

    def checked(self) -> dict[str, Any]:
        try:
            evidence = material_refs(self.evidence_refs)
            documents = material_refs(self.documents)
        except ValueError as exc:
            raise MaterialsInvalid(
                "材料编号不能为空、不超过128个字符，每类不超过20项", data={"ref": str(exc)}
            ) from exc
        return {"evidence_refs": evidence, "documents": documents, "data": dict(self.data)}


@dataclass(frozen=True)
class ReferralTerms:
    """The deadline's inputs: the working days of an ordinary referral and the calendar."""

    working_days: int
    calendar: HolidayCalendar


def matter_zh(referral: Referral) -> str:
    if referral.kind == ReferralKind.OBJECTION:
        return "交通违法异议"
    return f"{SERVICE_ZH.get(referral.service_item, referral.service_item)}转办事项"


def _note(note: str | None, *, required: bool) -> str | None:
    try:
        return note_text(note, required=required)
    except ValueError as exc:
        raise NoteRequired(
            "请填写说明（2至500字），将告知申请人", data={"problem": str(exc)}
        ) from exc


def refer(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    application: Application,
    unit: OrgUnit,
    *,
    kind: ReferralKind,
    reason: str,
    materials: Materials,
    terms: ReferralTerms,
    notifier: Notifier | None,
    violation_id: uuid.UUID | None = None,
) -> Referral:
    """Open a referral of ``application`` to ``unit`` (referred), due ``terms.working_days``
    working days after today (an objection: 5). The citizen is told where it went."""
    text = reason.strip()
    if not 2 <= len(text) <= 500:
        raise ReasonRequired(
            "请说明转办原因或异议事实（2至500字）"
            if kind == ReferralKind.REFERRAL
            else "请陈述异议的事实和理由（2至500字）",
            data={"length": len(text)},
        )
    now, today = uow.clock.now(), uow.clock.today()
    if violation_id is not None and _open_objection(uow, violation_id) is not None:
        raise ObjectionOpen(
            "该违法记录已有正在审查的异议，请等待审查结果",
            data={"referral_no": _open_objection(uow, violation_id)},
            legal_basis=[OBJECTION_BASIS],
        )
    referral = Referral(
        id=new_id(),
        referral_no=reference(
            OBJECTION_PREFIX if kind == ReferralKind.OBJECTION else REFERRAL_PREFIX, now
        ),
        kind=kind,
        state=ReferralState.REFERRED,
        application_id=application.id,
        citizen_id=citizen.id,
        booth_id=actor.booth_id,
        org_unit_id=unit.id,
        service_item=application.service_item,
        reason=text,
        materials=materials.checked(),
        violation_id=violation_id,
        referred_at=now,
        referred_on=today,
        due_on=due_on(kind, today, terms.working_days, terms.calendar),
    )
    uow.session.add(referral)
    uow.session.flush()
    _history(uow, actor, referral, Step.REFER, None, referral.materials)
    audit.record(
        uow,
        actor,
        f"{kind.value}.referred",
        "referral",
        referral.referral_no,
        data={
            "application_no": application.receipt_no,
            "unit": unit.code,
            "due_on": referral.due_on.isoformat(),
            "service_item": referral.service_item,
        },
    )
    _notify(uow, notifier, referral, Step.REFER, unit)
    return referral


def _open_objection(uow: UnitOfWork, violation_id: uuid.UUID) -> str | None:
    return uow.session.execute(
        select(Referral.referral_no).where(
            Referral.violation_id == violation_id,
            Referral.kind == ReferralKind.OBJECTION,
            Referral.state.in_(OPEN_STATES),
        )
    ).scalar_one_or_none()


def open_objection_violations(
    uow: UnitOfWork, violation_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """The violations among ``violation_ids`` with an objection still open (第5条第3款)."""
    if not violation_ids:
        return set()
    return {
        v
        for v in uow.session.execute(
            select(Referral.violation_id).where(
                Referral.violation_id.in_(list(violation_ids)),
                Referral.kind == ReferralKind.OBJECTION,
                Referral.state.in_(OPEN_STATES),
            )
        ).scalars()
        if v is not None
    }


def find_referral(uow: UnitOfWork, referral_no: str, *, lock: bool = False) -> Referral:
    query = select(Referral).where(Referral.referral_no == referral_no)
    referral = uow.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if referral is None:
        raise ReferralNotFound("未查询到该转办事项", data={"referral_no": referral_no})
    return referral


def unit_of(uow: UnitOfWork, referral: Referral) -> OrgUnit:
    unit = uow.session.get(OrgUnit, referral.org_unit_id)
    assert unit is not None  # a foreign key
    return unit


def staff_referral(
    uow: UnitOfWork, actor: Actor, referral_no: str, *, lock: bool = False
) -> Referral:
    """The referral, for staff of the responsible unit or above (403 outside the scope)."""
    require_role(actor, "officer")
    referral = find_referral(uow, referral_no, lock=lock)
    require_scope(actor, unit_of(uow, referral).path)
    return referral


def take_step(
    uow: UnitOfWork,
    actor: Actor,
    referral: Referral,
    step: Step,
    note: str | None,
    *,
    terms: ReferralTerms,
    notifier: Notifier | None,
    outcome: Outcome | None = None,
    materials: Materials | None = None,
) -> Referral:
    """Move ``referral`` (locked by the caller) one step. Asking for more, finishing and
    declining say why (the citizen is told); an objection is finished with its outcome.
    Supplying extends the deadline by the working days the unit waited. The application
    follows: finished -> completed, declined -> refused."""
    after = next_state(referral.state, step)
    if after is None:
        raise ReferralStepRefused(
            f"该事项当前状态为“{STATE_ZH[referral.state]}”，不能{STEP_ZH[step]}",
            data={"referral_no": referral.referral_no, "state": referral.state.value},
        )
    text = _note(note, required=step in (Step.REQUEST_MORE, Step.FINISH, Step.DECLINE))
    if step == Step.FINISH and referral.kind == ReferralKind.OBJECTION and outcome is None:
        raise OutcomeRequired(
            "异议审查须写明异议成立（upheld）或不成立（rejected）",
            legal_basis=[OBJECTION_BASIS],
        )
    supplied = materials.checked() if materials is not None else {}
    today, now = uow.clock.today(), uow.clock.now()
    if step == Step.REQUEST_MORE:
        referral.asked_on = today
    if step == Step.SUPPLY and referral.asked_on is not None:
        referral.due_on = extended_due_on(referral.due_on, referral.asked_on, today, terms.calendar)
        merged = dict(referral.materials)
        for key in ("evidence_refs", "documents"):
            merged[key] = list(dict.fromkeys([*merged.get(key, []), *supplied.get(key, [])]))
        referral.materials = merged
    referral.state = after
    referral.note = text
    if step == Step.FINISH and referral.kind == ReferralKind.OBJECTION:
        referral.outcome = outcome.value if outcome is not None else None
    if after in (ReferralState.FINISHED, ReferralState.DECLINED):
        referral.closed_at = now
        application = uow.session.get(Application, referral.application_id)
        if application is not None:
            application.state = (
                ApplicationState.COMPLETED
                if after == ReferralState.FINISHED
                else ApplicationState.REFUSED
            )
            application.updated_at = now
    uow.session.flush()
    _history(uow, actor, referral, step, text, supplied)
    audit.record(
        uow,
        actor,
        f"{referral.kind.value}.{step.value}",
        "referral",
        referral.referral_no,
        reason=text,
        data={
            "state": after.value,
            "due_on": referral.due_on.isoformat(),
            "outcome": referral.outcome,
            "supplied": supplied or None,
        },
    )
    _notify(uow, notifier, referral, step, unit_of(uow, referral), outcome=outcome)
    return referral


def _history(
    uow: UnitOfWork,
    actor: Actor,
    referral: Referral,
    step: Step,
    note: str | None,
    materials: dict[str, Any],
) -> None:
    seq = (
        uow.session.execute(
            select(func.max(ReferralStep.seq)).where(ReferralStep.referral_id == referral.id)
        ).scalar_one_or_none()
        or 0
    ) + 1
    uow.session.add(
        ReferralStep(
            referral_id=referral.id,
            seq=seq,
            step=step,
            state_after=referral.state,
            note=note,
            materials=materials,
            by=actor.name,
            at=uow.clock.now(),
        )
    )
    uow.session.flush()


def _notify(
    uow: UnitOfWork,
    notifier: Notifier | None,
    referral: Referral,
    step: Step,
    unit: OrgUnit,
    *,
    outcome: Outcome | None = None,
) -> None:
    """Queue the citizen's text message for after commit (none without a phone)."""
    citizen = uow.session.get(Citizen, referral.citizen_id)
    if notifier is None or citizen is None or not citizen.phone:
        return
    phone, gateway = citizen.phone, notifier
    text = notice_text(
        referral.kind,
        step,
        referral_no=referral.referral_no,
        matter=matter_zh(referral),
        unit_name=unit.name,
        due=referral.due_on,
        note=referral.note,
        outcome=outcome,
    )

    def send() -> None:
        try:
            gateway.send(phone, text)
        except Exception:  # the change is committed; a lost message must not undo it
            log.exception("referral %s: the text message was not sent", referral.referral_no)

    uow.after_commit(send)


def referral_view(uow: UnitOfWork, referral: Referral, *, staff: bool) -> dict[str, Any]:
    """The referral as the booth (``staff=False``) or the responsible unit sees it, with
    its steps in order and the working-day basis of an objection's deadline."""
    unit = unit_of(uow, referral)
    application = uow.session.get(Application, referral.application_id)
    citizen = uow.session.get(Citizen, referral.citizen_id)
    today = uow.clock.today()
    steps = uow.session.execute(
        select(ReferralStep)
        .where(ReferralStep.referral_id == referral.id)
        .order_by(ReferralStep.seq)
    ).scalars()
    objection = referral.kind == ReferralKind.OBJECTION
    outcome = Outcome(referral.outcome) if referral.outcome else None
    return {
        "referral_no": referral.referral_no,
        "kind": referral.kind.value,
        "kind_text": KIND_ZH[referral.kind],
        "state": referral.state.value,
        "state_text": STATE_ZH[referral.state],
        "service_item": referral.service_item,
        "service_text": SERVICE_ZH.get(referral.service_item, referral.service_item),
        "application_no": application.receipt_no if application is not None else None,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "reason": referral.reason,
        "materials": referral.materials,
        "violation_ref": (referral.materials.get("data") or {}).get("violation_ref"),
        "outcome": referral.outcome,
        "outcome_text": OUTCOME_ZH[outcome] if outcome is not None else None,
        "referred_on": referral.referred_on.isoformat(),
        "due_on": referral.due_on.isoformat(),
        "overdue": is_overdue(referral.state, referral.due_on, today),
        "note": referral.note,
        "citizen": mask_id_number(citizen.id_number) if staff and citizen is not None else None,
        "steps": [
            {
                "seq": s.seq,
                "step": s.step.value,
                "step_text": STEP_ZH[s.step],
                "state_after": s.state_after.value,
                "note": s.note,
                "materials": s.materials,
                "by": s.by if staff else None,
                "at": s.at.isoformat(),
            }
            for s in steps
        ],
        "legal_basis": [OBJECTION_BASIS, WORKING_DAYS_BASIS] if objection else [],
    }


def list_referrals(
    uow: UnitOfWork,
    actor: Actor,
    *,
    state: ReferralState | None,
    kind: ReferralKind | None,
    overdue: bool,
    limit: int,
) -> list[dict[str, Any]]:
    """The referrals of the caller's unit and the units below it, the earliest due first."""
    require_role(actor, "officer")
    query = (
        select(Referral)
        .join(OrgUnit, OrgUnit.id == Referral.org_unit_id)
        .where(scope_filter(actor, OrgUnit.path))
        .order_by(Referral.due_on, Referral.referred_at)
        .limit(limit)
    )
    if state is not None:
        query = query.where(Referral.state == state)
    if kind is not None:
        query = query.where(Referral.kind == kind)
    if overdue:
        query = query.where(
            Referral.state.in_([ReferralState.REFERRED, ReferralState.ACCEPTED]),
            Referral.due_on < uow.clock.today(),
        )
    return [referral_view(uow, r, staff=True) for r in uow.session.execute(query).scalars()]


def overdue_unalerted(uow: UnitOfWork, today: date) -> list[Referral]:
    """The overdue referrals (the unit owes the next move, past the due day) that have had
    no overdue alert yet, locked for the sweep."""
    return list(
        uow.session.execute(
            select(Referral)
            .where(
                Referral.state.in_([ReferralState.REFERRED, ReferralState.ACCEPTED]),
                Referral.due_on < today,
                Referral.overdue_alert_id.is_(None),
            )
            .order_by(Referral.due_on)
            .with_for_update()
        ).scalars()
    )
