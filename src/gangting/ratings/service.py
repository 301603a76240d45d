"""Recording a rating, from the booth's screen or from the receipt's one-use link; a bad one
opens a remedy assigned to the booth's unit with its deadlines, in the same unit of work and
with its audit entries. Issuing and reading the rating links."""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from gangting.applications.models import Application
from gangting.applications.rules import SERVICE_ZH
from gangting.audit import service as audit
from gangting.booths.models import Booth
from gangting.config import Settings
from gangting.kernel.actor import Actor
from gangting.kernel.calendar import HolidayCalendar
from gangting.kernel.checkpoint import load_or_create_key
from gangting.kernel.clock import CITY_ZONE
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.ratings.errors import (
    AlreadyRated,
    LinkExpired,
    LinkUnknown,
    LinkUsed,
    NotThisBooth,
    ReasonRequired,
    ReceiptNotFound,
)
from gangting.ratings.models import BadReviewRemedy, Rating, RatingLink
from gangting.ratings.rules import (
    LEVELS,
    Level,
    RemedyPolicy,
    RemedyState,
    link_state,
    rating_acceptable,
    remedy_deadlines,
)
from gangting.staff.service import require_booth

RATED_STATES = ("completed", "refused")


def remedy_policy(settings: Settings) -> RemedyPolicy:
    """The "1-5-15" rule as configured."""
    return RemedyPolicy(
        contact_days=settings.bad_review_contact_working_days,
        ordinary_days=settings.bad_review_remedy_working_days,
        complex_days=settings.bad_review_complex_working_days,
    )


@dataclass(frozen=True)
class LinkSettings:
    base_url: str
    ttl_days: int
    key: Ed25519PrivateKey

    @classmethod
    def of(cls, settings: Settings) -> LinkSettings:
        return cls(
            settings.public_base_url,
            settings.rating_link_ttl_days,
            load_or_create_key(settings.rating_link_key_path),
        )


def link_token(key: Ed25519PrivateKey, application_id: uuid.UUID) -> str:
    """The token of an application's link: derived from the centre's key (an Ed25519
    signature is deterministic and unforgeable without the key), so a replayed answer gives
    the same link while the database keeps only its hash. 32 characters, 192 bits."""
    signature = key.sign(b"gangting.rating-link.v1\n" + application_id.bytes)
    return base64.urlsafe_b64encode(hashlib.sha256(signature).digest()).decode()[:32]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_actor(token: str) -> Actor:
    """The citizen rating through a link: no account, one key space per link (the token's
    hash names it; the token itself is never stored or logged)."""
    digest = hashlib.sha256(b"rating-link:" + token.encode()).digest()
    return Actor(kind="system", id=uuid.UUID(bytes=digest[:16]), name="rating_link")


# --- recording -------------------------------------------------------------------------------


def _verdict(level: Level, reason: str | None) -> Any:
    verdict = rating_acceptable(level, reason)
    if not verdict.allowed:
        first = verdict.reasons[0]
        raise ReasonRequired(first.message, legal_basis=list(first.legal_basis))
    return verdict


def _already_rated(uow: UnitOfWork, application: Application) -> bool:
    return (
        uow.session.execute(
            select(Rating.id).where(Rating.application_id == application.id)
        ).first()
        is not None
    )


def _record(
    uow: UnitOfWork,
    actor: Actor,
    *,
    booth_id: uuid.UUID,
    application: Application | None,
    level: Level,
    reason: str | None,
    rated_at: datetime | None,
    channel: str,
    policy: RemedyPolicy,
    calendar: HolidayCalendar,
) -> tuple[Rating, BadReviewRemedy | None]:
    now = uow.clock.now()
    rating = Rating(
        booth_id=booth_id,
        application_id=application.id if application is not None else None,
        level=level.value,
        level_name=level.name,
        reason=(reason or "").strip() or None,
        rated_at=rated_at or now,
        received_at=now,
        channel=channel,
    )
    uow.session.add(rating)
    uow.session.flush()
    receipt_no = application.receipt_no if application is not None else None
    audit.record(
        uow,
        actor,
        "rating.recorded",
        "rating",
        rating.id,
        data={"level": level.value, "receipt_no": receipt_no, "channel": channel},
    )
    if application is not None:
        link = uow.session.execute(
            select(RatingLink).where(RatingLink.application_id == application.id)
        ).scalar_one_or_none()
        if link is not None and link.used_at is None:
            link.used_at, link.rating_id = now, rating.id  # one rating per application
    remedy = _open_remedy(uow, actor, rating, policy, calendar) if level.bad else None
    return rating, remedy


def _open_remedy(
    uow: UnitOfWork,
    actor: Actor,
    rating: Rating,
    policy: RemedyPolicy,
    calendar: HolidayCalendar,
) -> BadReviewRemedy:
    """The remedy of a bad rating, assigned at once to the booth's unit (谁办理、谁负责)."""
    now = uow.clock.now()
    booth = uow.session.get(Booth, rating.booth_id)
    rated_on = rating.rated_at.astimezone(CITY_ZONE).date()
    due = remedy_deadlines(rated_on, policy, calendar, complex_matter=False)
    unit_id = booth.org_unit_id if booth is not None else None
    remedy = BadReviewRemedy(
        rating_id=rating.id,
        state=RemedyState.ASSIGNED if unit_id is not None else RemedyState.OPEN,
        due_on=due.due_on,
        contact_due_on=due.contact_due_on,
        complex_matter=False,
        opened_at=now,
        org_unit_id=unit_id,
        assigned_at=now if unit_id is not None else None,
    )
    uow.session.add(remedy)
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "bad_review_remedy.opened",
        "bad_review_remedy",
        remedy.id,
        data={
            "rating_id": str(rating.id),
            "due_on": remedy.due_on.isoformat(),
            "contact_due_on": due.contact_due_on.isoformat(),
        },
    )
    if unit_id is not None:
        audit.record(
            uow,
            actor,
            "bad_review_remedy.assigned",
            "bad_review_remedy",
            remedy.id,
            data={"org_unit_id": str(unit_id)},
        )
    return remedy


def _rating_view(
    rating: Rating,
    receipt_no: str | None,
    level: Level,
    remedy: BadReviewRemedy | None,
    verdict: Any,
) -> dict[str, Any]:
    return {
        "rating_id": str(rating.id),
        "receipt_no": receipt_no,
        "level": level.value,
        "level_name": level.name,
        "level_zh": level.zh,
        "remedy": None
        if remedy is None
        else {
            "state": remedy.state.value,
            "due_on": remedy.due_on.isoformat(),
            "contact_due_on": remedy.contact_due_on.isoformat() if remedy.contact_due_on else None,
        },
        "reasons": [r.to_dict() for r in verdict.reasons],
    }


def rate_service(
    uow: UnitOfWork,
    actor: Actor,
    *,
    receipt_no: str | None,
    level: Level,
    reason: str | None,
    rated_at: datetime | None,
    policy: RemedyPolicy,
    calendar: HolidayCalendar,
) -> dict[str, Any]:
    """A rating given on the booth's screen (the kiosk), for the application just done."""
    booth_id = require_booth(actor)
    verdict = _verdict(level, reason)
    application = _application(uow, receipt_no, booth_id) if receipt_no else None
    if application is not None and _already_rated(uow, application):
        raise AlreadyRated("该业务已评价，感谢您的反馈", data={"receipt_no": receipt_no})
    rating, remedy = _record(
        uow,
        actor,
        booth_id=booth_id,
        application=application,
        level=level,
        reason=reason,
        rated_at=rated_at,
        channel="kiosk",
        policy=policy,
        calendar=calendar,
    )
    return _rating_view(rating, receipt_no, level, remedy, verdict)


def _application(uow: UnitOfWork, receipt_no: str, booth_id: object) -> Application:
    application = uow.session.execute(
        select(Application).where(Application.receipt_no == receipt_no)
    ).scalar_one_or_none()
    if application is None:
        raise ReceiptNotFound("未查询到该受理编号", data={"receipt_no": receipt_no})
    if application.booth_id != booth_id:
        raise NotThisBooth("只能评价在本岗亭办理的业务", data={"receipt_no": receipt_no})
    return application


# --- rating links ------------------------------------------------------------------------------


def issue_rating_link(
    uow: UnitOfWork, actor: Actor, application_no: str, link: LinkSettings
) -> str | None:
    """The one-use rating link of a booth application completed or refused
    (``{base}/r/{token}``), issued on first call and given again while it may still be used
    (a replayed answer); None when there is none to give: not a booth's, not finished,
    already rated, its link used or expired, or the key changed since it was issued."""
    application = uow.session.execute(
        select(Application).where(Application.receipt_no == application_no)
    ).scalar_one_or_none()
    if (
        application is None
        or application.booth_id is None
        or application.state not in RATED_STATES
        or _already_rated(uow, application)
    ):
        return None
    token = link_token(link.key, application.id)
    url = f"{link.base_url.rstrip('/')}/r/{token}"
    now = uow.clock.now()
    issued = uow.session.execute(
        select(RatingLink).where(RatingLink.application_id == application.id)
    ).scalar_one_or_none()
    if issued is not None:
        usable = link_state(issued.expires_at, issued.used_at, now) == "usable"
        return url if usable and issued.token_hash == token_hash(token) else None
    row = RatingLink(
        token_hash=token_hash(token),
        application_id=application.id,
        booth_id=application.booth_id,
        issued_at=now,
        expires_at=now + timedelta(days=link.ttl_days),
    )
    uow.session.add(row)
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "rating_link.issued",
        "application",
        application.receipt_no,
        data={"link_id": str(row.id), "expires_at": row.expires_at.isoformat()},
    )
    return url


def _link(uow: UnitOfWork, token: str, *, lock: bool = False) -> RatingLink:
    query = select(RatingLink).where(RatingLink.token_hash == token_hash(token))
    if lock:
        query = query.with_for_update()
    row = uow.session.execute(query).scalar_one_or_none()
    if row is None:
        raise LinkUnknown("评价链接无效，请核对回执上的链接", data={})
    return row


def link_view(uow: UnitOfWork, token: str) -> dict[str, Any]:
    """What the public page shows for a link: the business, the booth, the five levels, and
    whether the link may still be used ("usable", "used", "expired")."""
    row = _link(uow, token)
    application = uow.session.get(Application, row.application_id)
    booth = uow.session.get(Booth, row.booth_id)
    assert application is not None and booth is not None
    state = link_state(row.expires_at, row.used_at, uow.clock.now())
    if state == "usable" and _already_rated(uow, application):
        state = "used"
    return {
        "state": state,
        "receipt_no": application.receipt_no,
        "service_item": application.service_item,
        "service_zh": SERVICE_ZH.get(application.service_item, application.service_item),
        "application_state": application.state.value,
        "booth_name": booth.name,
        "handled_on": application.created_at.astimezone(CITY_ZONE).date().isoformat(),
        "expires_on": row.expires_at.astimezone(CITY_ZONE).date().isoformat(),
        "levels": [
            {"level": lv.value, "level_name": lv.name, "level_zh": lv.zh, "bad": lv.bad}
            for lv in LEVELS
        ],
    }


def rate_by_link(
    uow: UnitOfWork,
    token: str,
    *,
    level: Level,
    reason: str | None,
    policy: RemedyPolicy,
    calendar: HolidayCalendar,
) -> dict[str, Any]:
    """A rating given through the receipt's link: once per link, once per application (a
    rating already given on the booth's screen uses the link up too)."""
    verdict = _verdict(level, reason)
    row = _link(uow, token, lock=True)
    state = link_state(row.expires_at, row.used_at, uow.clock.now())
    if state == "used":
        raise LinkUsed("该评价链接已使用，每笔业务只能评价一次，感谢您的反馈")
    if state == "expired":
        raise LinkExpired(
            "该评价链接已过期",
            data={"expired_at": row.expires_at.astimezone(CITY_ZONE).isoformat()},
        )
    application = uow.session.get(Application, row.application_id)
    assert application is not None
    if _already_rated(uow, application):
        raise AlreadyRated(
            "该业务已在岗亭评价，每笔业务只能评价一次，感谢您的反馈",
            data={"receipt_no": application.receipt_no},
        )
    rating, remedy = _record(
        uow,
        link_actor(token),
        booth_id=row.booth_id,
        application=application,
        level=level,
        reason=reason,
        rated_at=None,
        channel="link",
        policy=policy,
        calendar=calendar,
    )
    return _rating_view(rating, application.receipt_no, level, remedy, verdict)


@dataclass(frozen=True)
class LinkedApplication:
    """The application a link names, for what follows its rating on the link's page."""

    receipt_no: str
    rated: bool  # through the link or on the booth's screen
    expires_at: datetime


def linked_application(uow: UnitOfWork, token: str, *, lock: bool = False) -> LinkedApplication:
    """The application of a link that has not expired (a used link still names its
    application until then: the survey follows the rating on the same page). ``lock``
    serialises writes through one link. Raises LinkUnknown, LinkExpired."""
    row = _link(uow, token, lock=lock)
    if uow.clock.now() >= row.expires_at:
        raise LinkExpired(
            "该评价链接已过期",
            data={"expired_at": row.expires_at.astimezone(CITY_ZONE).isoformat()},
        )
    application = uow.session.get(Application, row.application_id)
    assert application is not None
    rated = row.used_at is not None or _already_rated(uow, application)
    return LinkedApplication(application.receipt_no, rated, row.expires_at)
