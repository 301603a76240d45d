"""The supervision screen's audit search (issue 11 §4): the audit entries of the caller's
unit (supervisors and up; the system's own entries only for admins), filtered by action
prefix, actor (a staff username or a booth code) and time, newest first, each with its
entry id, actor and booth labelled. The same scope as ``desks.supervision``'s audit log:
entries whose actor is a booth or a staff account of a unit in the caller's scope."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select

from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from gangting.kernel.actor import Actor
from gangting.kernel.errors import Invalid
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.staff.scope import ADMIN, scoped
from gangting.staff.service import require_role


class BadTimeRange(Invalid):
    code = "audit.bad_time_range"


def search_audit_entries(
    uow: UnitOfWork,
    actor: Actor,
    *,
    action: str | None = None,
    who: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """Entries of the caller's unit, newest first: ``action`` a prefix of the action,
    ``who`` a staff username or booth code (exact; one outside the caller's scope finds
    nothing), ``since`` inclusive, ``until`` exclusive."""
    require_role(actor, "supervisor")
    if since is not None and until is not None and until <= since:
        raise BadTimeRange("结束时间须晚于起始时间", data={"since": since.isoformat()})
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if actor.role != ADMIN:
        query = query.where(audit_in_scope(uow, actor))
    if action:
        query = query.where(AuditEntry.action.startswith(action.strip(), autoescape=True))
    if who and who.strip():
        query = query.where(_by(uow, who.strip()))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    entries = list(uow.session.execute(query).scalars())
    staff, booths = _labels(uow, entries)
    return {
        "entries": [
            {
                "id": str(e.id),
                "at": e.at.isoformat(),
                "actor_kind": e.actor_kind.value,
                "actor_id": e.actor_id,
                "actor": _actor_label(e, staff, booths),
                "booth_code": booths.get(e.booth_id) if e.booth_id else None,
                "action": e.action,
                "subject_kind": e.subject_kind,
                "subject_id": e.subject_id,
                "reason": e.reason,
                "data": e.data,
            }
            for e in entries
        ]
    }


def audit_in_scope(uow: UnitOfWork, actor: Actor) -> ColumnElement[bool]:
    """Entries whose actor is a booth or a staff account of a unit in the caller's scope
    (the system's entries are the admins' only)."""
    booths = scoped(select(Booth.id).join(OrgUnit, OrgUnit.id == Booth.org_unit_id), actor)
    # actor_id is the account's id as text: the ids are read here, not compared as types
    # (a UUID column's text differs between PostgreSQL and SQLite).
    staff = uow.session.execute(
        scoped(select(StaffAccount.id).join(OrgUnit, OrgUnit.id == StaffAccount.org_unit_id), actor)
    ).scalars()
    return or_(
        and_(AuditEntry.actor_kind == "booth", AuditEntry.booth_id.in_(booths)),
        and_(AuditEntry.actor_kind == "staff", AuditEntry.actor_id.in_([str(i) for i in staff])),
    )


def _by(uow: UnitOfWork, who: str) -> ColumnElement[bool]:
    """The entries of the staff account with that username or the booth with that code."""
    account = uow.session.execute(
        select(StaffAccount.id).where(StaffAccount.username == who)
    ).scalar_one_or_none()
    booth = uow.session.execute(select(Booth.id).where(Booth.code == who)).scalar_one_or_none()
    conditions = []
    if account is not None:
        conditions.append(
            and_(AuditEntry.actor_kind == "staff", AuditEntry.actor_id == str(account))
        )
    if booth is not None:
        conditions.append(and_(AuditEntry.actor_kind == "booth", AuditEntry.booth_id == booth))
    return or_(*conditions) if conditions else false()


def _labels(
    uow: UnitOfWork, entries: list[AuditEntry]
) -> tuple[dict[str, str], dict[uuid.UUID, str]]:
    staff_ids = set()
    for e in entries:
        if e.actor_kind == "staff":
            try:
                staff_ids.add(uuid.UUID(e.actor_id))
            except ValueError:
                continue
    booth_ids = {e.booth_id for e in entries if e.booth_id}
    staff = {
        str(i): f"{username}（{name}）"
        for i, username, name in uow.session.execute(
            select(StaffAccount.id, StaffAccount.username, StaffAccount.name).where(
                StaffAccount.id.in_(sorted(staff_ids))
            )
        )
    }
    booths = {
        i: code
        for i, code in uow.session.execute(
            select(Booth.id, Booth.code).where(Booth.id.in_(sorted(booth_ids)))
        )
    }
    return staff, booths


def _actor_label(e: AuditEntry, staff: dict[str, str], booths: dict[uuid.UUID, str]) -> str:
    if e.actor_kind == "staff":
        return staff.get(e.actor_id, e.actor_id)
    if e.actor_kind == "booth":
        return f"岗亭 {booths.get(e.booth_id, e.actor_id) if e.booth_id else e.actor_id}"
    return "系统"
