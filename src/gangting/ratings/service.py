"""Recording a rating; a bad one opens a remedy record with its deadline, in the same
unit of work and with its audit entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from gangting.applications.models import Application
from gangting.audit import service as audit
from gangting.kernel.actor import Actor
from gangting.kernel.calendar import HolidayCalendar
from gangting.kernel.clock import CITY_ZONE
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.ratings.errors import AlreadyRated, NotThisBooth, ReasonRequired, ReceiptNotFound
from gangting.ratings.models import BadReviewRemedy, Rating
from gangting.ratings.rules import Level, rating_acceptable, remedy_due_on
from gangting.staff.service import require_booth


def rate_service(
    uow: UnitOfWork,
    actor: Actor,
    *,
    receipt_no: str | None,
    level: Level,
    reason: str | None,
    rated_at: datetime | None,
    remedy_working_days: int,
    calendar: HolidayCalendar,
) -> dict[str, Any]:
    booth_id = require_booth(actor)
    verdict = rating_acceptable(level, reason)
    if not verdict.allowed:
        first = verdict.reasons[0]
        raise ReasonRequired(first.message, legal_basis=list(first.legal_basis))
    application = _application(uow, receipt_no, booth_id) if receipt_no else None
    if (
        application is not None
        and uow.session.execute(
            select(Rating.id).where(Rating.application_id == application.id)
        ).first()
    ):
        raise AlreadyRated("该业务已评价，感谢您的反馈", data={"receipt_no": receipt_no})
    now = uow.clock.now()
    rating = Rating(
        booth_id=booth_id,
        application_id=application.id if application is not None else None,
        level=level.value,
        level_name=level.name,
        reason=(reason or "").strip() or None,
        rated_at=rated_at or now,
        received_at=now,
    )
    uow.session.add(rating)
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "rating.recorded",
        "rating",
        rating.id,
        data={"level": level.value, "receipt_no": receipt_no},
    )
    view: dict[str, Any] = {
        "rating_id": str(rating.id),
        "receipt_no": receipt_no,
        "level": level.value,
        "level_name": level.name,
        "level_zh": level.zh,
        "remedy": None,
        "reasons": [r.to_dict() for r in verdict.reasons],
    }
    if level.bad:
        rated_on = rating.rated_at.astimezone(CITY_ZONE).date()
        remedy = BadReviewRemedy(
            rating_id=rating.id,
            state="open",
            due_on=remedy_due_on(rated_on, remedy_working_days, calendar),
            opened_at=now,
        )
        uow.session.add(remedy)
        uow.session.flush()
        audit.record(
            uow,
            actor,
            "bad_review_remedy.opened",
            "bad_review_remedy",
            remedy.id,
            data={"rating_id": str(rating.id), "due_on": remedy.due_on.isoformat()},
        )
        view["remedy"] = {"state": remedy.state, "due_on": remedy.due_on.isoformat()}
    return view


def _application(uow: UnitOfWork, receipt_no: str, booth_id: object) -> Application:
    application = uow.session.execute(
        select(Application).where(Application.receipt_no == receipt_no)
    ).scalar_one_or_none()
    if application is None:
        raise ReceiptNotFound("未查询到该受理编号", data={"receipt_no": receipt_no})
    if application.booth_id != booth_id:
        raise NotThisBooth("只能评价在本岗亭办理的业务", data={"receipt_no": receipt_no})
    return application
