"""Recording a booth's service visit in the caller's unit of work, beside its application
(the transaction desk calls this for every completed and every refused booth application).

Times (docs/decisions/0023): a booth hands out no queue number; the citizen's session starts
when the identity check issues the identity token, so ``queued_at`` is the token's issue
time. ``started_at`` is when this item's service started: the session start for the
session's first item, else when the session's previous item finished (a citizen doing two
items waits for the first). ``finished_at`` is when the application was filed.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from gangting.applications.models import Application
from gangting.booths.models import Booth
from gangting.citizens.models import Citizen
from gangting.geo.districts import baotou_districts
from gangting.identity.models import IdentityToken
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.visits.models import ServiceVisit
from gangting.visits.rules import (
    PriorVisit,
    matter_of,
    matter_subject,
    outcome_of,
    refusal_code_of,
)


def session_started_at(
    uow: UnitOfWork, actor: Actor, identity_token: str | None
) -> datetime | None:
    """When the citizen's booth session started: the identity token's issue time."""
    if not identity_token or actor.booth_id is None:
        return None
    return uow.session.execute(
        select(IdentityToken.issued_at).where(
            IdentityToken.token_hash == hashlib.sha256(identity_token.encode()).hexdigest(),
            IdentityToken.booth_id == actor.booth_id,
        )
    ).scalar_one_or_none()


def _prior(
    uow: UnitOfWork, citizen_id: uuid.UUID, service_item: str, subject: str
) -> PriorVisit | None:
    rows = uow.session.execute(
        select(
            ServiceVisit.matter_key,
            ServiceVisit.visit_no,
            ServiceVisit.outcome,
            ServiceVisit.started_at,
        )
        .where(ServiceVisit.citizen_id == citizen_id, ServiceVisit.service_item == service_item)
        .order_by(ServiceVisit.started_at.desc(), ServiceVisit.visit_no.desc())
        .limit(20)
    ).all()
    for key, visit_no, outcome, started in rows:
        if key.startswith(subject + ":"):
            return PriorVisit(key, visit_no, outcome, started)
    return None


def _session_previous_finish(
    uow: UnitOfWork, booth_id: uuid.UUID, citizen_id: uuid.UUID, since: datetime
) -> datetime | None:
    return uow.session.execute(
        select(ServiceVisit.finished_at)
        .where(
            ServiceVisit.booth_id == booth_id,
            ServiceVisit.citizen_id == citizen_id,
            ServiceVisit.queued_at == since,
        )
        .order_by(ServiceVisit.finished_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def home_district(citizen: Citizen) -> str | None:
    """The citizen's home district: the ID number's registration area when it is one of the
    city's districts (the only address the centre keeps), else unknown."""
    return citizen.area_code if citizen.area_code in baotou_districts() else None


def record_booth_visit(
    uow: UnitOfWork,
    actor: Actor,
    application: Application,
    *,
    queued_at: datetime | None,
    payload: dict[str, Any] | None = None,
) -> ServiceVisit | None:
    """The visit of a booth application (completed or refused), flushed in ``uow``.

    None when the actor is no booth (staff work at the centre is no citizen's visit).
    """
    booth_id = actor.booth_id
    if booth_id is None:
        return None
    booth = uow.session.get(Booth, booth_id)
    citizen = uow.session.get(Citizen, application.citizen_id)
    if booth is None or citizen is None:
        return None
    finished_at = uow.clock.now()
    queued = queued_at if queued_at is not None and queued_at <= finished_at else finished_at
    previous = _session_previous_finish(uow, booth_id, citizen.id, queued)
    started_at = max(queued, min(previous, finished_at)) if previous is not None else queued
    plate = (payload or {}).get("plate")
    subject = matter_subject(
        application.service_item, citizen.id, plate if isinstance(plate, str) else None
    )
    matter_key, visit_no = matter_of(
        subject, started_at, _prior(uow, citizen.id, application.service_item, subject)
    )
    state = str(application.state)
    visit = ServiceVisit(
        channel="booth",
        booth_id=booth_id,
        hall_code=None,
        district_code=booth.district_code,
        home_district_code=home_district(citizen),
        citizen_id=citizen.id,
        application_id=application.id,
        service_item=application.service_item,
        matter_key=matter_key,
        visit_no=visit_no,
        queued_at=queued,
        started_at=started_at,
        finished_at=finished_at,
        outcome=outcome_of(state),
        refusal_code=refusal_code_of(list(application.reasons or []), state),
    )
    uow.session.add(visit)
    uow.session.flush()
    return visit
