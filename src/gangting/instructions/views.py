"""Reading instructions: the list (filters, visibility: an officer sees only what went to
them) and one instruction with its targets, escalations and whole trail from the audit
log. Every answer carries the server's time, so a phone counts deadlines down from the
centre's clock, not its own."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import or_, select

from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from gangting.instructions.models import Instruction, InstructionEscalation, InstructionTarget
from gangting.instructions.rules import (
    ACTIVE_STATES,
    KIND_ZH,
    RESULT_ZH,
    RESULTS_BY_KIND,
    STATE_ZH,
    STEP_ZH,
    TARGET_STATE_ZH,
    intercept_basis,
)
from gangting.instructions.service import load
from gangting.kernel.actor import Actor
from gangting.kernel.clock import iso_or_none
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.staff.scope import scope_filter
from gangting.staff.service import require_role
from gangting.vehicles.rules import InvalidPlate, display_plate, parse_plate

ACTION_ZH = {
    "instruction.issued": "下发指令",
    "instruction.target_acknowledged": "签收",
    "instruction.target_reported": "反馈",
    "instruction.target_missed": "超时未办",
    "instruction.acknowledged": "指令已签收",
    "instruction.completed": "指令已完成",
    "instruction.deadline_missed": "超时未办，升级督办",
    "instruction.escalated": "指令已升级督办",
    "instruction.cancelled": "指令已撤销",
    "instruction.expired": "指令已过期",
    "instruction.auto_skipped": "未能自动下发",
}


def _plate(plate_no: str | None) -> str | None:
    if plate_no is None:
        return None
    try:
        return display_plate(plate_no)
    except InvalidPlate:
        return plate_no


def target_view(target: InstructionTarget, instruction: Instruction) -> dict[str, Any]:
    ack, rep = target.acknowledged_at, target.reported_at
    return {
        "username": target.username,
        "name": target.name,
        "state": target.state,
        "state_zh": TARGET_STATE_ZH.get(target.state, target.state),
        "acknowledged_at": iso_or_none(ack),
        "acknowledged_late": ack is not None and ack >= instruction.acknowledge_due_at,
        "acknowledge_note": target.acknowledge_note,
        "reported_at": iso_or_none(rep),
        "reported_late": rep is not None and rep >= instruction.report_due_at,
        "result": target.result,
        "result_zh": RESULT_ZH.get(target.result or "", None),
        "report_text": target.report_text,
        "evidence_note": target.evidence_note,
        "missed_step": target.missed_step,
        "missed_step_zh": STEP_ZH.get(target.missed_step or "", None),
        "missed_at": iso_or_none(target.missed_at),
    }


def instruction_view(
    instruction: Instruction,
    unit: OrgUnit,
    booth_code: str | None,
    targets: list[InstructionTarget],
    actor: Actor,
    issuer_name: str | None = None,
) -> dict[str, Any]:
    """The instruction as the list and the phone show it; ``mine`` is the caller's own
    target (None when the caller is not one)."""
    mine = next((t for t in targets if t.staff_id == actor.id), None)
    counts: defaultdict[str, int] = defaultdict(int)
    for t in targets:
        counts[t.state] += 1
    return {
        "id": str(instruction.id),
        "no": instruction.no,
        "kind": instruction.kind,
        "kind_zh": KIND_ZH.get(instruction.kind, instruction.kind),
        "text": instruction.text,
        "state": instruction.state,
        "state_zh": STATE_ZH.get(instruction.state, instruction.state),
        "active": instruction.state in ACTIVE_STATES,
        "subject": {
            "plate_no": instruction.plate_no,
            "plate": _plate(instruction.plate_no),
            "booth": booth_code,
            "hit_id": str(instruction.hit_id) if instruction.hit_id else None,
            "alert_id": str(instruction.alert_id) if instruction.alert_id else None,
            "help_call_id": str(instruction.help_call_id) if instruction.help_call_id else None,
            "location": instruction.location,
        },
        "legal_basis": list(intercept_basis(instruction.kind)),
        "unit": {"code": unit.code, "name": unit.name, "kind": unit.kind},
        "targets_spec": instruction.target_spec,
        "completion": instruction.completion,
        "issued_by": instruction.issued_by,
        "issued_by_name": (issuer_name or instruction.issued_by)
        if instruction.issued_by_id
        else "系统（超时督办）",
        "issued_at": iso_or_none(instruction.issued_at),
        "acknowledge_due_at": iso_or_none(instruction.acknowledge_due_at),
        "report_due_at": iso_or_none(instruction.report_due_at),
        "expires_at": iso_or_none(instruction.expires_at),
        "state_changed_at": iso_or_none(instruction.state_changed_at),
        "completed_at": iso_or_none(instruction.completed_at),
        "cancelled_at": iso_or_none(instruction.cancelled_at),
        "cancelled_by": instruction.cancelled_by,
        "cancel_reason": instruction.cancel_reason,
        "expired_at": iso_or_none(instruction.expired_at),
        "escalation_step": instruction.escalation_step,
        "counts": {
            "targets": len(targets),
            "acknowledged": sum(1 for t in targets if t.acknowledged_at is not None),
            "reported": counts["reported"],
            "missed": counts["missed"],
        },
        "mine": target_view(mine, instruction) if mine is not None else None,
        "results": [{"value": r, "zh": RESULT_ZH[r]} for r in RESULTS_BY_KIND[instruction.kind]],
    }


def _targeted_to(actor: Actor) -> Any:
    return select(InstructionTarget.instruction_id).where(InstructionTarget.staff_id == actor.id)


def list_instructions(
    uow: UnitOfWork,
    actor: Actor,
    *,
    state: str | None = None,
    kind: str | None = None,
    booth_code: str | None = None,
    plate: str | None = None,
    mine: bool = False,
    limit: int = 100,
) -> dict[str, Any]:
    """Instructions newest first. Officers: only those that went to them; supervisors:
    their scope and those that went to them; admins: all. ``mine``: only those that went
    to the caller. ``state`` "active" means open, acknowledged or escalated."""
    require_role(actor, "officer")
    query = (
        select(Instruction, OrgUnit, Booth.code, StaffAccount.name)
        .join(OrgUnit, OrgUnit.id == Instruction.org_unit_id)
        .outerjoin(Booth, Booth.id == Instruction.booth_id)
        .outerjoin(StaffAccount, StaffAccount.id == Instruction.issued_by_id)
        .order_by(Instruction.issued_at.desc(), Instruction.id.desc())
        .limit(limit)
    )
    if mine or actor.role == "officer":
        query = query.where(Instruction.id.in_(_targeted_to(actor)))
    elif actor.role != "admin":
        query = query.where(or_(scope_filter(actor), Instruction.id.in_(_targeted_to(actor))))
    if state == "active":
        query = query.where(Instruction.state.in_(ACTIVE_STATES))
    elif state is not None:
        query = query.where(Instruction.state == state)
    if kind is not None:
        query = query.where(Instruction.kind == kind)
    if booth_code is not None:
        query = query.where(Booth.code == booth_code)
    if plate is not None:
        query = query.where(Instruction.plate_no == parse_plate(plate).value)
    rows = uow.session.execute(query).all()
    by_instruction: dict[uuid.UUID, list[InstructionTarget]] = defaultdict(list)
    if rows:
        for target in uow.session.execute(
            select(InstructionTarget)
            .where(InstructionTarget.instruction_id.in_([row[0].id for row in rows]))
            .order_by(InstructionTarget.username)
        ).scalars():
            by_instruction[target.instruction_id].append(target)
    return {
        "now": iso_or_none(uow.clock.now()),
        "me": _me(uow, actor),
        "instructions": [
            instruction_view(i, u, b, by_instruction[i.id], actor, n) for i, u, b, n in rows
        ],
    }


def _me(uow: UnitOfWork, actor: Actor) -> dict[str, Any] | None:
    account = uow.session.get(StaffAccount, actor.id) if actor.id is not None else None
    if account is None:
        return None
    return {"username": account.username, "name": account.name, "role": account.role}


def _trail(uow: UnitOfWork, instruction_id: uuid.UUID) -> list[dict[str, Any]]:
    entries = list(
        uow.session.execute(
            select(AuditEntry)
            .where(
                AuditEntry.subject_kind == "instruction",
                AuditEntry.subject_id == str(instruction_id),
            )
            .order_by(AuditEntry.at, AuditEntry.id)
        ).scalars()
    )
    staff_ids = set()
    for e in entries:
        if e.actor_kind == "staff":
            try:
                staff_ids.add(uuid.UUID(e.actor_id))
            except ValueError:
                continue
    names: dict[str, tuple[str, str]] = {}
    if staff_ids:
        for account in uow.session.execute(
            select(StaffAccount).where(StaffAccount.id.in_(staff_ids))
        ).scalars():
            names[str(account.id)] = (account.username, account.name)
    trail = []
    for e in entries:
        username, name = names.get(e.actor_id, (e.actor_id, "系统"))
        trail.append(
            {
                "at": iso_or_none(e.at),
                "action": e.action,
                "action_zh": ACTION_ZH.get(e.action, e.action),
                "actor_kind": e.actor_kind,
                "actor": username if e.actor_kind == "staff" else e.actor_id,
                "actor_name": name if e.actor_kind == "staff" else "系统",
                "reason": e.reason,
                "data": e.data,
            }
        )
    return trail


def _brief(uow: UnitOfWork, instruction_id: uuid.UUID | None) -> dict[str, Any] | None:
    if instruction_id is None:
        return None
    other = uow.session.get(Instruction, instruction_id)
    if other is None:
        return None
    return {
        "id": str(other.id),
        "no": other.no,
        "kind": other.kind,
        "kind_zh": KIND_ZH.get(other.kind, other.kind),
        "state": other.state,
        "state_zh": STATE_ZH.get(other.state, other.state),
    }


def detail(
    uow: UnitOfWork,
    actor: Actor,
    instruction: Instruction,
    unit: OrgUnit,
    targets: list[InstructionTarget],
) -> dict[str, Any]:
    """One instruction with every target, its escalations (where each missed step went),
    the instruction it escalates (if any) and the whole trail."""
    booth = uow.session.get(Booth, instruction.booth_id) if instruction.booth_id else None
    issuer = (
        uow.session.get(StaffAccount, instruction.issued_by_id)
        if instruction.issued_by_id
        else None
    )
    view = instruction_view(
        instruction,
        unit,
        booth.code if booth else None,
        targets,
        actor,
        issuer.name if issuer is not None else None,
    )
    escalations = []
    for row in uow.session.execute(
        select(InstructionEscalation, OrgUnit.code)
        .outerjoin(OrgUnit, OrgUnit.id == InstructionEscalation.to_unit_id)
        .where(InstructionEscalation.instruction_id == instruction.id)
        .order_by(InstructionEscalation.due_at, InstructionEscalation.escalated_at)
    ).all():
        esc, unit_code = row
        escalations.append(
            {
                "step": esc.step,
                "step_zh": STEP_ZH.get(esc.step, esc.step),
                "due_at": iso_or_none(esc.due_at),
                "escalated_at": iso_or_none(esc.escalated_at),
                "to_unit": unit_code,
                "escalation": _brief(uow, esc.escalation_id),
                "alert_id": str(esc.alert_id) if esc.alert_id else None,
                "missed": esc.missed,
            }
        )
    return {
        **view,
        "now": iso_or_none(uow.clock.now()),
        "targets": [target_view(t, instruction) for t in targets],
        "escalations": escalations,
        "escalated_from": _brief(uow, instruction.escalated_from_id),
        "trail": _trail(uow, instruction.id),
    }


def get_instruction(uow: UnitOfWork, actor: Actor, instruction_id: uuid.UUID) -> dict[str, Any]:
    require_role(actor, "officer")
    instruction, unit, targets = load(uow, actor, instruction_id)
    return detail(uow, actor, instruction, unit, targets)
