"""Supervision reads (督察): the applications of the caller's unit, the audit log, and a
citizen's record looked up with a logged reason (masked unless revealed by a supervisor).
Every read is scoped to the caller's unit (staff.scope) and a citizen lookup is itself
audited, in the same unit of work as the read.

A lookup's reason (查询事由) is real text: trimmed, at least ``REASON_MIN_CHARS`` letters,
digits or Chinese characters (spaces and punctuation alone are no reason). A reveal's reason
also names the case or ticket it serves (``has_reference``): a case number with its year in
brackets and ending in 号 (（2026）内0203行初45号, 包府行复〔2026〕12号), or a ticket, case or
incident number written in ASCII letters and digits, at least 6 characters with at least 4
digits (GD20261126001, JQ-2026-0012).

A reveal is one key only for a citizen inside the revealer's unit (``citizen_in_unit``: an
application filed, a penalty decision made or a payment taken at a booth within the
revealer's scope; admins: every citizen). Any other reveal takes two keys
(docs/decisions/0012): ``request_reveal`` builds the request (no personal data in it), a
checker approves it through ``desks.two_keys``, and the maker then collects the data once
(``collect_reveal``), audited."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select

from gangting.applications.models import Application
from gangting.approvals import service as approvals
from gangting.approvals.rules import ApprovalKind
from gangting.audit import service as audit
from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from gangting.citizens.models import Citizen
from gangting.citizens.rules import mask_id_number, mask_name, mask_phone, parse_id_number
from gangting.desks.audit_search import audit_in_scope
from gangting.fines.models import Payment, PenaltyDecision
from gangting.fines.rules import CASE_NO
from gangting.kernel.actor import Actor
from gangting.kernel.errors import DomainError, Forbidden, Invalid, NotFound
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import OrgUnit
from gangting.staff.scope import ADMIN, scoped
from gangting.staff.service import require_role

REASON_MIN_CHARS = 4
_TICKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
TICKET_MIN_LENGTH = 6
TICKET_MIN_DIGITS = 4


class ReasonRequired(Invalid):
    """A citizen lookup without a real reason (blank, spaces, punctuation, too short)."""

    code = "supervision.reason_required"


class RevealReferenceRequired(Invalid):
    """A reveal whose reason names no case or ticket number."""

    code = "supervision.reveal_reference_required"


class RevealNeedsSecondKey(Forbidden):
    """A one-key reveal of a citizen outside the revealer's unit."""

    code = "supervision.reveal_needs_second_key"


def lookup_reason(text: str) -> str:
    """The reason, trimmed; ``ReasonRequired`` unless it holds at least ``REASON_MIN_CHARS``
    letters, digits or Chinese characters."""
    value = text.strip()
    if sum(ch.isalnum() for ch in value) < REASON_MIN_CHARS:
        raise ReasonRequired(
            f"请填写查询事由（至少{REASON_MIN_CHARS}个汉字、字母或数字，不能只有空格或标点）",
            data={"min_chars": REASON_MIN_CHARS},
        )
    return value


def has_reference(reason: str) -> bool:
    """Whether the reason names a case number (year in brackets, ending in 号) or a ticket
    number (ASCII letters/digits/hyphens, at least 6 characters, at least 4 digits)."""
    if CASE_NO.search(reason):
        return True
    return any(
        len(token) >= TICKET_MIN_LENGTH and sum(c.isdigit() for c in token) >= TICKET_MIN_DIGITS
        for token in _TICKET.findall(reason)
    )


def list_applications(uow: UnitOfWork, actor: Actor, limit: int) -> dict[str, Any]:
    """The newest applications filed at the booths of the caller's unit (officers and up)."""
    require_role(actor, "officer")
    query = (
        select(Application, Booth.code)
        .join(Booth, Booth.id == Application.booth_id)
        .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
        .order_by(Application.created_at.desc())
        .limit(limit)
    )
    rows = uow.session.execute(scoped(query, actor)).all()
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


def list_audit_entries(
    uow: UnitOfWork, actor: Actor, limit: int, action: str | None
) -> dict[str, Any]:
    """The newest audit entries of the caller's unit (supervisors and up; the system's own
    entries only for admins), optionally those whose action starts with ``action``."""
    require_role(actor, "supervisor")
    query = select(AuditEntry).order_by(AuditEntry.at.desc()).limit(limit)
    if actor.role != ADMIN:
        query = query.where(audit_in_scope(uow, actor))
    if action:
        # autoescape: "%" and "_" in the prefix are themselves, not LIKE wildcards
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
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


def reveal_reason(reason: str) -> str:
    """A reveal's reason: real text (``lookup_reason``) naming a case or ticket number."""
    reason = lookup_reason(reason)
    if not has_reference(reason):
        raise RevealReferenceRequired(
            "查看完整信息须在事由中注明案号或工单号，如（2026）内0203行初45号、GD20261126001",
            data={"min_chars": TICKET_MIN_LENGTH, "min_digits": TICKET_MIN_DIGITS},
        )
    return reason


def _citizen(uow: UnitOfWork, id_number: str) -> Citizen:
    parsed = parse_id_number(id_number)
    person = uow.session.execute(
        select(Citizen).where(Citizen.id_number == parsed.value)
    ).scalar_one_or_none()
    if person is None:
        raise NotFound("未查询到该公民", code="citizens.not_found")
    return person


def _citizen_by_id(uow: UnitOfWork, citizen_id: str) -> Citizen:
    person = uow.session.get(Citizen, uuid.UUID(citizen_id))
    if person is None:
        raise NotFound("未查询到该公民", code="citizens.not_found")
    return person


def citizen_in_unit(uow: UnitOfWork, actor: Actor, citizen_id: uuid.UUID) -> bool:
    """Whether the citizen is inside the caller's unit: an application filed, a penalty
    decision made or a payment taken at a booth of the caller's unit or a unit below it
    (admins: every citizen; no unit: none). A citizen's vehicles and licence carry no unit."""
    if actor.role == ADMIN:
        return True
    if not actor.org_path:
        return False
    records: list[Any] = [
        (Application.booth_id, Application.citizen_id),
        (PenaltyDecision.booth_id, PenaltyDecision.citizen_id),
        (Payment.booth_id, Payment.citizen_id),
    ]
    for booth_column, citizen_column in records:
        query = (
            select(booth_column)
            .join(Booth, Booth.id == booth_column)
            .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
            .where(citizen_column == citizen_id)
            .limit(1)
        )
        if uow.session.execute(scoped(query, actor)).first() is not None:
            return True
    return False


def _revealed(person: Citizen) -> dict[str, Any]:
    return {"id_number": person.id_number, "name": person.name, "phone": person.phone}


def look_up_citizen(
    uow: UnitOfWork, actor: Actor, id_number: str, reason: str, *, reveal: bool
) -> dict[str, Any]:
    """A citizen's identity and phone, masked by default; ``reveal`` (supervisors and up)
    shows them whole, for a citizen inside the caller's unit only (``citizen_in_unit``;
    outside it: ``RevealNeedsSecondKey``, the two keys' ``request_reveal``). Either way the
    lookup and its reason (trimmed: ``lookup_reason``; for a reveal naming a case or ticket:
    ``has_reference``) go into the audit log."""
    require_role(actor, "officer")
    if reveal:
        require_role(actor, "supervisor")
    reason = reveal_reason(reason) if reveal else lookup_reason(reason)
    person = _citizen(uow, id_number)
    if reveal and not citizen_in_unit(uow, actor, person.id):
        raise RevealNeedsSecondKey(
            "该公民在本单位辖区内没有办理记录，查看完整信息须经另一名有管辖权的督察审批"
            "（POST /api/v1/staff/citizen-reveals）"
        )
    audit.record(
        uow,
        actor,
        "citizen.reveal" if reveal else "citizen.lookup",
        "citizen",
        person.id,
        reason=reason,
    )
    if reveal:
        return {**_revealed(person), "masked": False}
    return {
        "id_number": mask_id_number(person.id_number),
        "name": mask_name(person.name),
        "phone": mask_phone(person.phone) if person.phone else None,
        "masked": True,
    }


def record_reveal_refused(
    uow: UnitOfWork, actor: Actor, id_number: str, reason: str, error: DomainError
) -> None:
    """A one-key reveal refused for a citizen outside the caller's unit: audited
    (``citizen.reveal_refused``) in the refusal's own unit of work. Other refusals (no
    reason, no role, no such citizen) are answered only."""
    if not isinstance(error, RevealNeedsSecondKey):
        return
    person = _citizen(uow, id_number)
    audit.record(
        uow,
        actor,
        "citizen.reveal_refused",
        "citizen",
        person.id,
        reason=reason.strip()[:200],
        data={"error": error.code},
    )


# --- a reveal outside one's unit: two keys ------------------------------------------------


def reveal_request(uow: UnitOfWork, actor: Actor, id_number: str, reason: str) -> dict[str, Any]:
    """The payload of a two-keys reveal: the citizen (by id and masked id number, so that
    the approval shows no personal data) and the reason naming a case or ticket."""
    require_role(actor, "supervisor")
    text = reveal_reason(reason)
    person = _citizen(uow, id_number)
    return {
        "citizen": str(person.id),
        "id_number_masked": mask_id_number(person.id_number),
        "reason": text,
    }


def check_reveal(uow: UnitOfWork, maker: Actor, payload: dict[str, Any]) -> uuid.UUID:
    """The maker's right to ask (supervisors and up, a reason naming a case or ticket) and
    the citizen; run when asking and again when the checker approves."""
    require_role(maker, "supervisor")
    reveal_reason(payload["reason"])
    return _citizen_by_id(uow, payload["citizen"]).id


def approve_reveal(uow: UnitOfWork, maker: Actor, payload: dict[str, Any]) -> dict[str, Any]:
    """The approved reveal, executed: nothing personal is stored on the approval; the maker
    collects the data once (``collect_reveal``)."""
    citizen_id = check_reveal(uow, maker, payload)
    return {
        "citizen": str(citizen_id),
        "id_number_masked": payload["id_number_masked"],
        "collected_at": None,
    }


def collect_reveal(uow: UnitOfWork, actor: Actor, approval_id: uuid.UUID) -> dict[str, Any]:
    """The maker of an approved reveal sees the citizen's data, once: the approval is marked
    collected and the reveal audited (``citizen.reveal``, with the request's reason and the
    approval) in this unit of work."""
    require_role(actor, "supervisor")
    approval = approvals.collect_result(uow, actor, approval_id, ApprovalKind.CITIZEN_REVEAL)
    person = _citizen_by_id(uow, approval.payload["citizen"])
    audit.record(
        uow,
        actor,
        "citizen.reveal",
        "citizen",
        person.id,
        reason=approval.payload["reason"],
        data={"approval": str(approval.id), "checker": approval.checker},
    )
    return {**_revealed(person), "masked": False, "approval": str(approval.id)}
