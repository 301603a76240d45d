"""The bad-review remedy as a workflow (差评整改): staff of the responsible unit (or above
it) move it contacted -> fixed -> return_visited -> closed, each step audited in the same
unit of work; the views staff read; the remedies whose steps went overdue, for the sweep
(``desks.remedy_escalations``) that escalates them."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from gangting.applications.models import Application
from gangting.applications.rules import SERVICE_ZH
from gangting.audit import service as audit
from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from gangting.kernel.actor import Actor
from gangting.kernel.calendar import EMPTY_CALENDAR, HolidayCalendar
from gangting.kernel.clock import CITY_ZONE, iso_or_none
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.ratings.errors import RemedyNoteRequired, RemedyStateConflict, RemedyUnknown
from gangting.ratings.models import BadReviewRemedy, Rating, RemedyEscalation
from gangting.ratings.rules import (
    CITIZEN_ANSWERS,
    REMEDY_STATE_ZH,
    REMEDY_STEPS,
    STEP_ZH,
    RemedyDeadlines,
    RemedyPolicy,
    RemedyState,
    next_step,
    overdue_steps,
    parse_level,
    remedy_deadlines,
    step_allowed,
    step_due_on,
    working_days_left,
)
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.staff.scope import require_scope, scoped
from gangting.staff.service import require_role

NOTE_MAX = 500


def deadlines_of(remedy: BadReviewRemedy) -> RemedyDeadlines:
    return RemedyDeadlines(remedy.contact_due_on or remedy.due_on, remedy.due_on)


def remedy_view(
    remedy: BadReviewRemedy,
    rating: Rating,
    unit: OrgUnit | None,
    booth: Booth | None,
    application: tuple[str | None, str | None],
    today: date,
    calendar: HolidayCalendar = EMPTY_CALENDAR,
) -> dict[str, Any]:
    due = deadlines_of(remedy)
    receipt_no, service_item = application
    step = next_step(remedy.state)
    step_due = step_due_on(step or "contact", due) if remedy.state != RemedyState.CLOSED else None
    late = overdue_steps(remedy.state, due, today)
    return {
        "remedy_id": str(remedy.id),
        "state": remedy.state.value,
        "state_zh": REMEDY_STATE_ZH[remedy.state],
        "org_unit": unit.code if unit is not None else None,
        "org_unit_name": unit.name if unit is not None else None,
        "booth": booth.code if booth is not None else None,
        "booth_name": booth.name if booth is not None else None,
        "receipt_no": receipt_no,
        "service_item": service_item,
        "service_zh": SERVICE_ZH.get(service_item, service_item) if service_item else None,
        "level": rating.level,
        "level_zh": parse_level(rating.level).zh,
        "reason": rating.reason,
        "channel": rating.channel,
        "rated_at": rating.rated_at.astimezone(CITY_ZONE).isoformat(),
        "complex_matter": remedy.complex_matter,
        "contact_due_on": due.contact_due_on.isoformat(),
        "due_on": due.due_on.isoformat(),
        "next_step": step,
        "next_step_zh": STEP_ZH[step] if step is not None else None,
        "next_due_on": step_due.isoformat() if step_due is not None else None,
        "working_days_left": (
            working_days_left(today, step_due, calendar) if step_due is not None else None
        ),
        "opened_at": remedy.opened_at.astimezone(CITY_ZONE).isoformat(),
        "assigned_at": iso_or_none(remedy.assigned_at),
        "contacted_at": iso_or_none(remedy.contacted_at),
        "fixed_at": iso_or_none(remedy.fixed_at),
        "return_visited_at": iso_or_none(remedy.return_visited_at),
        "closed_at": iso_or_none(remedy.closed_at),
        "citizen_answer": remedy.citizen_answer,
        "result": remedy.result,
        "overdue": bool(late),
        "overdue_steps": [s for s, _ in late],
        "escalated": remedy.escalated_at is not None,
        "escalated_at": iso_or_none(remedy.escalated_at),
    }


def _query() -> Any:
    return (
        select(
            BadReviewRemedy,
            Rating,
            OrgUnit,
            Booth,
            Application.receipt_no,
            Application.service_item,
        )
        .join(Rating, Rating.id == BadReviewRemedy.rating_id)
        .join(OrgUnit, OrgUnit.id == BadReviewRemedy.org_unit_id)
        .join(Booth, Booth.id == Rating.booth_id)
        .outerjoin(Application, Application.id == Rating.application_id)
    )


# The worklist's filters (the screen's tabs): "open" every remedy not closed yet, "overdue"
# those past a step's due date (``rules.overdue_steps``), "escalated" those not closed that
# the sweep escalated, "closed" the closed ones (the latest first).
REMEDY_FILTERS = ("open", "overdue", "escalated", "closed")


def _filtered(query: Any, status: str, today: date) -> Any:
    unclosed = BadReviewRemedy.state != RemedyState.CLOSED
    if status == "open":
        return query.where(unclosed)
    if status == "overdue":
        contact_due = func.coalesce(BadReviewRemedy.contact_due_on, BadReviewRemedy.due_on)
        return query.where(
            unclosed,
            or_(
                BadReviewRemedy.due_on < today,
                BadReviewRemedy.state.in_([RemedyState.OPEN, RemedyState.ASSIGNED])
                & (contact_due < today),
            ),
        )
    if status == "escalated":
        return query.where(unclosed, BadReviewRemedy.escalated_at.is_not(None))
    return query.where(BadReviewRemedy.state == RemedyState.CLOSED)


def list_remedies(
    uow: UnitOfWork,
    actor: Actor,
    *,
    state: str | None = None,
    status: str | None = None,
    calendar: HolidayCalendar = EMPTY_CALENDAR,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The remedies of the caller's unit and the units below it, the oldest due first
    (closed ones: the latest closed first); ``state`` one state, ``status`` one of
    ``REMEDY_FILTERS``."""
    require_role(actor, "officer")
    today = uow.clock.today()
    query = scoped(_query(), actor)
    if state is not None:
        query = query.where(BadReviewRemedy.state == state)
    if status is not None:
        query = _filtered(query, status, today)
    if status == "closed":
        query = query.order_by(BadReviewRemedy.closed_at.desc(), BadReviewRemedy.id)
    else:
        query = query.order_by(BadReviewRemedy.due_on, BadReviewRemedy.opened_at)
    return [
        remedy_view(remedy, rating, unit, booth, (receipt_no, item), today, calendar)
        for remedy, rating, unit, booth, receipt_no, item in uow.session.execute(
            query.limit(limit)
        ).all()
    ]


def _load(uow: UnitOfWork, actor: Actor, remedy_id: uuid.UUID, *, lock: bool) -> Any:
    require_role(actor, "officer")
    query = _query().where(BadReviewRemedy.id == remedy_id)
    if lock:
        query = query.with_for_update(of=BadReviewRemedy)
    row = uow.session.execute(query).first()
    if row is None:
        raise RemedyUnknown("未找到该差评整改记录", data={"remedy_id": str(remedy_id)})
    require_scope(actor, row[2].path)
    return row


def get_remedy(
    uow: UnitOfWork,
    actor: Actor,
    remedy_id: uuid.UUID,
    calendar: HolidayCalendar = EMPTY_CALENDAR,
) -> dict[str, Any]:
    """One remedy with its history (``remedy_history``)."""
    remedy, rating, unit, booth, receipt_no, item = _load(uow, actor, remedy_id, lock=False)
    view = remedy_view(remedy, rating, unit, booth, (receipt_no, item), uow.clock.today(), calendar)
    return {**view, "history": remedy_history(uow, remedy.id)}


# What each audited step of a remedy reads as on the worklist.
HISTORY_ZH = {
    "bad_review_remedy.opened": "差评生成整改记录",
    "bad_review_remedy.assigned": "分派至责任单位",
    "bad_review_remedy.contacted": "联系核实",
    "bad_review_remedy.fixed": "整改",
    "bad_review_remedy.return_visited": "回访",
    "bad_review_remedy.closed": "办结",
    "bad_review_remedy.escalated": "逾期升级督办",
}


def _history_detail(action: str, data: dict[str, Any], units: dict[str, str]) -> str | None:
    if action == "bad_review_remedy.opened":
        return f"联系核实期限 {data.get('contact_due_on')}，整改办结期限 {data.get('due_on')}"
    if action == "bad_review_remedy.assigned":
        return units.get(str(data.get("org_unit_id")))
    if action == "bad_review_remedy.contacted" and data.get("complex_matter"):
        return f"复杂事项，整改办结期限改为 {data.get('due_on')}"
    if action == "bad_review_remedy.closed":
        answer = CITIZEN_ANSWERS.get(str(data.get("citizen_answer")), "")
        return f"评价人意见：{answer}" if answer else None
    if action == "bad_review_remedy.escalated":
        step = STEP_ZH.get(str(data.get("step")), str(data.get("step")))
        to = data.get("to_unit")
        where = f"，升级至{units.get(str(to), str(to))}" if to else ""
        return f"“{step}”已逾期（期限 {data.get('due_on')}）{where}"
    return None


def remedy_history(uow: UnitOfWork, remedy_id: uuid.UUID) -> list[dict[str, Any]]:
    """The remedy's steps as the audit ledger holds them, oldest first: what was done, when,
    by whom, with the note staff wrote."""
    entries = list(
        uow.session.execute(
            select(AuditEntry)
            .where(
                AuditEntry.subject_kind == "bad_review_remedy",
                AuditEntry.subject_id == str(remedy_id),
            )
            .order_by(AuditEntry.at, AuditEntry.id)
        ).scalars()
    )
    staff_ids = {
        uuid.UUID(e.actor_id) for e in entries if e.actor_kind == "staff" and _is_uuid(e.actor_id)
    }
    names = {
        str(i): n
        for i, n in uow.session.execute(
            select(StaffAccount.id, StaffAccount.name).where(StaffAccount.id.in_(staff_ids))
        ).all()
    }
    unit_ids = {
        uuid.UUID(str(e.data.get("org_unit_id")))
        for e in entries
        if e.action == "bad_review_remedy.assigned" and _is_uuid(str(e.data.get("org_unit_id")))
    }
    unit_codes = {
        str(e.data.get("to_unit"))
        for e in entries
        if e.action == "bad_review_remedy.escalated" and e.data.get("to_unit")
    }
    units: dict[str, str] = {}
    for i, code, name in uow.session.execute(
        select(OrgUnit.id, OrgUnit.code, OrgUnit.name).where(
            or_(OrgUnit.id.in_(unit_ids), OrgUnit.code.in_(unit_codes))
        )
    ).all():
        units[str(i)] = units[code] = name
    out = []
    for e in entries:
        if e.actor_kind == "staff":
            by = names.get(e.actor_id, "民警")
        elif e.actor_kind == "booth":
            by = "岗亭终端"
        else:
            by = "系统"
        out.append(
            {
                "action": e.action.removeprefix("bad_review_remedy."),
                "action_zh": HISTORY_ZH.get(e.action, e.action),
                "at": e.at.astimezone(CITY_ZONE).isoformat(),
                "by": by,
                "note": e.data.get("note"),
                "detail": _history_detail(e.action, e.data, units),
            }
        )
    return out


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def advance_remedy(
    uow: UnitOfWork,
    actor: Actor,
    remedy_id: uuid.UUID,
    action: str,
    *,
    note: str,
    policy: RemedyPolicy,
    calendar: HolidayCalendar,
    complex_matter: bool | None = None,
    citizen_answer: str | None = None,
) -> dict[str, Any]:
    """One step of the remedy, by staff of its unit or above: "contact" (may mark the matter
    complex: its due date moves to the complex deadline), "fix", "return_visit", "close"
    (with the citizen's answer). Steps go in order; each carries a note and is audited."""
    remedy, rating, unit, booth, receipt_no, item = _load(uow, actor, remedy_id, lock=True)
    verdict = step_allowed(remedy.state, action)
    if not verdict.allowed:
        first = verdict.reasons[0]
        raise RemedyStateConflict(first.message, data=dict(first.data))
    text = note.strip()
    if not text:
        raise RemedyNoteRequired(f"请填写“{STEP_ZH[action]}”的情况说明", data={"action": action})
    if action == "close" and citizen_answer not in CITIZEN_ANSWERS:
        raise RemedyNoteRequired(
            "办结时须记录评价人对整改结果的意见：满意或不满意",
            code="ratings.citizen_answer_required",
            data={"answers": list(CITIZEN_ANSWERS)},
        )
    now = uow.clock.now()
    data: dict[str, Any] = {"note": text[:NOTE_MAX], "from": remedy.state.value}
    if action == "contact":
        remedy.contacted_at = now
        if complex_matter:
            rated_on = rating.rated_at.astimezone(CITY_ZONE).date()
            due = remedy_deadlines(rated_on, policy, calendar, complex_matter=True)
            remedy.complex_matter = True
            remedy.due_on = due.due_on
            data["complex_matter"] = True
            data["due_on"] = due.due_on.isoformat()
    elif action == "fix":
        remedy.fixed_at = now
    elif action == "return_visit":
        remedy.return_visited_at = now
    else:
        remedy.closed_at = now
        remedy.citizen_answer = citizen_answer
        remedy.result = text[:NOTE_MAX]
        data["citizen_answer"] = citizen_answer
    remedy.state = REMEDY_STEPS[action][1]
    uow.session.flush()
    data["to"] = remedy.state.value
    audit.record(
        uow,
        actor,
        f"bad_review_remedy.{remedy.state.value}",
        "bad_review_remedy",
        remedy.id,
        data=data,
    )
    view = remedy_view(remedy, rating, unit, booth, (receipt_no, item), uow.clock.today(), calendar)
    return {**view, "history": remedy_history(uow, remedy.id)}


# --- overdue steps, for the escalation sweep ---------------------------------------------------


def overdue_remedies(
    uow: UnitOfWork, today: date
) -> list[tuple[BadReviewRemedy, Rating, str, date]]:
    """(remedy, rating, step, due_on) for every step of an unclosed remedy past its due date
    and not escalated yet (``rules.overdue_steps``)."""
    rows = uow.session.execute(
        select(BadReviewRemedy, Rating)
        .join(Rating, Rating.id == BadReviewRemedy.rating_id)
        .where(
            BadReviewRemedy.state != RemedyState.CLOSED,
            BadReviewRemedy.due_on < today,
        )
        .order_by(BadReviewRemedy.opened_at)
    ).all()
    contact_late = uow.session.execute(
        select(BadReviewRemedy, Rating)
        .join(Rating, Rating.id == BadReviewRemedy.rating_id)
        .where(
            BadReviewRemedy.state.in_([RemedyState.OPEN, RemedyState.ASSIGNED]),
            BadReviewRemedy.contact_due_on < today,
            BadReviewRemedy.due_on >= today,
        )
    ).all()
    out: list[tuple[BadReviewRemedy, Rating, str, date]] = []
    for remedy, rating in [*rows, *contact_late]:
        done = set(
            uow.session.execute(
                select(RemedyEscalation.step).where(RemedyEscalation.remedy_id == remedy.id)
            ).scalars()
        )
        for step, due_on in overdue_steps(remedy.state, deadlines_of(remedy), today):
            if step not in done:
                out.append((remedy, rating, step, due_on))
    return out
