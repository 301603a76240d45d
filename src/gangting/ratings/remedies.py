"""The bad-review remedy as a workflow (差评整改): staff of the responsible unit (or above
it) move it contacted -> fixed -> return_visited -> closed, each step audited in the same
unit of work; the views staff read; the remedies whose steps went overdue, for the sweep
(``desks.remedy_escalations``) that escalates them."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from gangting.applications.models import Application
from gangting.audit import service as audit
from gangting.booths.models import Booth
from gangting.kernel.actor import Actor
from gangting.kernel.calendar import HolidayCalendar
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
    overdue_steps,
    remedy_deadlines,
    step_allowed,
)
from gangting.staff.models import OrgUnit
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
    receipt_no: str | None,
    today: date,
) -> dict[str, Any]:
    due = deadlines_of(remedy)
    return {
        "remedy_id": str(remedy.id),
        "state": remedy.state.value,
        "state_zh": REMEDY_STATE_ZH[remedy.state],
        "org_unit": unit.code if unit is not None else None,
        "org_unit_name": unit.name if unit is not None else None,
        "booth": booth.code if booth is not None else None,
        "receipt_no": receipt_no,
        "level": rating.level,
        "reason": rating.reason,
        "channel": rating.channel,
        "rated_at": rating.rated_at.astimezone(CITY_ZONE).isoformat(),
        "complex_matter": remedy.complex_matter,
        "contact_due_on": due.contact_due_on.isoformat(),
        "due_on": due.due_on.isoformat(),
        "opened_at": remedy.opened_at.astimezone(CITY_ZONE).isoformat(),
        "assigned_at": iso_or_none(remedy.assigned_at),
        "contacted_at": iso_or_none(remedy.contacted_at),
        "fixed_at": iso_or_none(remedy.fixed_at),
        "return_visited_at": iso_or_none(remedy.return_visited_at),
        "closed_at": iso_or_none(remedy.closed_at),
        "citizen_answer": remedy.citizen_answer,
        "result": remedy.result,
        "overdue_steps": [step for step, _ in overdue_steps(remedy.state, due, today)],
        "escalated": remedy.escalated_at is not None,
        "escalated_at": iso_or_none(remedy.escalated_at),
    }


def _query() -> Any:
    return (
        select(BadReviewRemedy, Rating, OrgUnit, Booth, Application.receipt_no)
        .join(Rating, Rating.id == BadReviewRemedy.rating_id)
        .join(OrgUnit, OrgUnit.id == BadReviewRemedy.org_unit_id)
        .join(Booth, Booth.id == Rating.booth_id)
        .outerjoin(Application, Application.id == Rating.application_id)
    )


def list_remedies(
    uow: UnitOfWork, actor: Actor, *, state: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """The remedies of the caller's unit and the units below it, the oldest due first."""
    require_role(actor, "officer")
    query = scoped(_query(), actor)
    if state is not None:
        query = query.where(BadReviewRemedy.state == state)
    query = query.order_by(BadReviewRemedy.due_on, BadReviewRemedy.opened_at).limit(limit)
    today = uow.clock.today()
    return [
        remedy_view(remedy, rating, unit, booth, receipt_no, today)
        for remedy, rating, unit, booth, receipt_no in uow.session.execute(query).all()
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


def get_remedy(uow: UnitOfWork, actor: Actor, remedy_id: uuid.UUID) -> dict[str, Any]:
    remedy, rating, unit, booth, receipt_no = _load(uow, actor, remedy_id, lock=False)
    return remedy_view(remedy, rating, unit, booth, receipt_no, uow.clock.today())


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
    remedy, rating, unit, booth, receipt_no = _load(uow, actor, remedy_id, lock=True)
    verdict = step_allowed(remedy.state, action)
    if not verdict.allowed:
        first = verdict.reasons[0]
        raise RemedyStateConflict(first.message, data=dict(first.data))
    text = note.strip()
    if not text:
        raise RemedyNoteRequired(f"请填写“{STEP_ZH[action]}”的情况说明", data={"action": action})
    if action == "close" and citizen_answer not in CITIZEN_ANSWERS:
        raise RemedyNoteRequired(
            "办结时须记录评价人的意见：satisfied（满意）或 not_satisfied（不满意）",
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
    return remedy_view(remedy, rating, unit, booth, receipt_no, uow.clock.today())


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
