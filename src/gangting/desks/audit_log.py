"""Supervision: staff read applications, audit entries and (with a logged reason) citizens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement, and_, or_, select

from gangting.applications.models import Application
from gangting.audit import service as audit
from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from gangting.citizens.models import Citizen
from gangting.citizens.rules import mask_id_number, mask_name, mask_phone, parse_id_number
from gangting.desks.schemas import ApplicationList, AuditEntries, CitizenLookup
from gangting.kernel.actor import Actor
from gangting.kernel.errors import NotFound
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.staff.scope import ADMIN, scoped
from gangting.staff.service import require_role
from gangting.web.deps import ActorDep, ContextDep
from gangting.web.openapi import error_responses

router = APIRouter(
    prefix="/api/v1/staff",
    tags=["督察 supervision"],
    responses=error_responses(401, 403, 422),
)
Reason = Annotated[str, Query(min_length=4, max_length=200, description="查询事由（记录在案）")]


@router.get(
    "/applications", response_model=ApplicationList, summary="本单位辖区岗亭的办件（按时间倒序）"
)
def applications(
    ctx: ContextDep, actor: ActorDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> dict[str, Any]:
    require_role(actor, "officer")
    with ctx.uow() as uow:
        query = (
            select(Application, Booth.code)
            .join(Booth, Booth.id == Application.booth_id)
            .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
            .order_by(Application.created_at.desc())
            .limit(limit)
        )
        query = scoped(query, actor)
        rows = uow.session.execute(query).all()
        return {
            "applications": [
                {
                    "receipt_no": a.receipt_no,
                    "service_item": a.service_item,
                    "state": a.state,
                    "booth_code": code,
                    "created_at": a.created_at.isoformat(),
                    "legal_basis": a.legal_basis,
                }
                for a, code in rows
            ]
        }


@router.get(
    "/audit",
    response_model=AuditEntries,
    summary="本单位辖区岗亭与人员的审计记录（督察及以上；系统记录仅管理员）",
)
def audit_entries(
    ctx: ContextDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    action: str | None = None,
) -> dict[str, Any]:
    require_role(actor, "supervisor")
    with ctx.uow() as uow:
        query = select(AuditEntry).order_by(AuditEntry.at.desc()).limit(limit)
        if actor.role != ADMIN:
            query = query.where(_actor_in_scope(uow, actor))
        if action:
            query = query.where(AuditEntry.action.startswith(action))
        return {
            "entries": [
                {
                    "at": e.at.isoformat(),
                    "actor_kind": e.actor_kind,
                    "actor_id": e.actor_id,
                    "action": e.action,
                    "subject_kind": e.subject_kind,
                    "subject_id": e.subject_id,
                    "reason": e.reason,
                    "data": e.data,
                }
                for e in uow.session.execute(query).scalars()
            ]
        }


def _actor_in_scope(uow: UnitOfWork, actor: Actor) -> ColumnElement[bool]:
    """Entries whose actor is a booth or a staff account of a unit in the caller's scope
    (the system's entries are the admins' only)."""
    booths = select(Booth.id).join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
    # actor_id is the account's id as text: the ids are read here, not compared as types
    # (a UUID column's text differs between PostgreSQL and SQLite).
    staff = uow.session.execute(
        scoped(select(StaffAccount.id).join(OrgUnit, OrgUnit.id == StaffAccount.org_unit_id), actor)
    ).scalars()
    return or_(
        and_(AuditEntry.actor_kind == "booth", AuditEntry.booth_id.in_(scoped(booths, actor))),
        and_(AuditEntry.actor_kind == "staff", AuditEntry.actor_id.in_([str(i) for i in staff])),
    )


@router.get(
    "/citizens/{id_number}",
    response_model=CitizenLookup,
    responses=error_responses(404),
    summary="查询公民信息（须填写事由；默认脱敏）",
)
def citizen(
    id_number: str, reason: Reason, ctx: ContextDep, actor: ActorDep, reveal: bool = False
) -> dict[str, Any]:
    require_role(actor, "officer")
    if reveal:
        require_role(actor, "supervisor")
    parsed = parse_id_number(id_number)
    with ctx.uow() as uow:
        person = uow.session.execute(
            select(Citizen).where(Citizen.id_number == parsed.value)
        ).scalar_one_or_none()
        if person is None:
            raise NotFound("未查询到该公民", code="citizens.not_found")
        audit.record(
            uow,
            actor,
            "citizen.reveal" if reveal else "citizen.lookup",
            "citizen",
            person.id,
            reason=reason,
        )
        if reveal:
            return {
                "id_number": person.id_number,
                "name": person.name,
                "phone": person.phone,
                "masked": False,
            }
        return {
            "id_number": mask_id_number(person.id_number),
            "name": mask_name(person.name),
            "phone": mask_phone(person.phone) if person.phone else None,
            "masked": True,
        }
