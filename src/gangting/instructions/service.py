"""Instructions: issue (command-centre staff: supervisor and above, within scope), then each
target acknowledges (签收) and reports (反馈); a person may cancel. Every transition of a
target and of the instruction has its audit entry in the caller's unit of work; each move
is made on rows locked for the unit of work, so two officers acting at once see each
other's step. The deadline sweep lives in ``sweep.py``, the reading views in ``views.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from gangting.alerts.models import Alert
from gangting.audit import service as audit
from gangting.booths.models import Booth, HelpCall
from gangting.config import Settings
from gangting.instructions.errors import (
    HitNotConfirmed,
    InstructionClosed,
    InstructionInvalid,
    InstructionUnknown,
    NoTargets,
    NotATarget,
    ReasonRequired,
    ReportInvalid,
    StepDone,
    SubjectUnknown,
)
from gangting.instructions.models import Instruction, InstructionTarget
from gangting.instructions.rules import (
    ACTIVE_STATES,
    TERMINAL_STATES,
    TEXT_MIN,
    DeadlinePolicy,
    Deadlines,
    InstructionState,
    Subject,
    TargetFacts,
    TargetState,
    deadline_problems,
    deadlines,
    default_completion,
    next_check_at,
    report_problems,
    state_after_target_move,
    subject_problems,
    target_may_move,
)
from gangting.instructions.targeting import Recipient, Targets, booth_in_scope, resolve_targets
from gangting.kernel.actor import SYSTEM, Actor
from gangting.kernel.ids import reference
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import OrgUnit
from gangting.staff.scope import path_in_scope, require_scope
from gangting.staff.service import require_role
from gangting.vehicles.rules import parse_plate
from gangting.watchlists.models import WatchListHit


def policy_from_settings(settings: Settings) -> DeadlinePolicy:
    """The deadline defaults of GANGTING_INSTRUCTION_ACKNOWLEDGE_WITHIN_S (180),
    _REPORT_WITHIN_S (1800) and _EXPIRE_AFTER_S (7200)."""
    return DeadlinePolicy(
        acknowledge_within_s=settings.instruction_acknowledge_within_s,
        report_within_s=settings.instruction_report_within_s,
        expire_after_s=settings.instruction_expire_after_s,
    )


@dataclass(frozen=True)
class IssueRequest:
    """What the issuer asks for: kind, text, targets, what it is about, and optional
    windows (seconds) to acknowledge and to report instead of the policy's."""

    kind: str
    text: str
    targets: Targets
    subject: Subject
    acknowledge_within_s: int | None = None
    report_within_s: int | None = None


def _uuid(raw: str | None, what: str) -> uuid.UUID | None:
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise InstructionInvalid(f"{what}编号格式错误", data={what: raw}) from None


@dataclass
class _Resolved:
    plate_no: str | None = None
    booth_id: uuid.UUID | None = None
    booth_code: str | None = None
    hit_id: uuid.UUID | None = None
    alert_id: uuid.UUID | None = None
    help_call_id: uuid.UUID | None = None


def _resolve_subject(uow: UnitOfWork, actor: Actor, subject: Subject) -> _Resolved:
    """Check every reference the instruction makes and fill in what follows from them: a
    help call and a hit name their booth, a hit its (listed) plate. A hit must have been
    confirmed by a person (issue 5 §2: only then an instruction)."""
    out = _Resolved()
    if subject.plate_no:
        out.plate_no = parse_plate(subject.plate_no).value
    booth_code = subject.booth_code
    help_call_id = _uuid(subject.help_call_id, "help_call")
    if help_call_id is not None:
        call = uow.session.get(HelpCall, help_call_id)
        if call is None:
            raise SubjectUnknown("没有该求助记录", data={"help_call": str(help_call_id)})
        out.help_call_id = call.id
        out.booth_id = call.booth_id
    hit_id = _uuid(subject.hit_id, "hit")
    if hit_id is not None:
        hit = uow.session.get(WatchListHit, hit_id)
        if hit is None:
            raise SubjectUnknown("没有该比中记录", data={"hit": str(hit_id)})
        if hit.state != "confirmed":
            raise HitNotConfirmed(
                "比中尚未经人工确认（或已否定），不能据此下发指令",
                data={"hit": str(hit.id), "state": hit.state},
            )
        if out.plate_no is not None and out.plate_no != hit.plate_no:
            raise InstructionInvalid(
                "号牌与比中记录不一致", data={"plate": out.plate_no, "hit_plate": hit.plate_no}
            )
        if out.booth_id is not None and out.booth_id != hit.booth_id:
            raise InstructionInvalid("求助记录与比中记录不属于同一岗亭")
        out.hit_id, out.plate_no, out.booth_id = hit.id, hit.plate_no, hit.booth_id
    if booth_code is not None:
        booth, _unit = booth_in_scope(uow, actor, booth_code)
        if out.booth_id is not None and out.booth_id != booth.id:
            raise InstructionInvalid("岗亭与求助或比中记录不一致", data={"booth": booth_code})
        out.booth_id, out.booth_code = booth.id, booth.code
    elif out.booth_id is not None:
        found = uow.session.get(Booth, out.booth_id)
        assert found is not None
        booth, _unit = booth_in_scope(uow, actor, found.code)
        out.booth_code = booth.code
    alert_id = _uuid(subject.alert_id, "alert")
    if alert_id is not None:
        row = uow.session.execute(
            select(Alert, OrgUnit.path)
            .join(OrgUnit, OrgUnit.id == Alert.org_unit_id)
            .where(Alert.id == alert_id)
        ).first()
        if row is None:
            raise SubjectUnknown("没有该告警", data={"alert": str(alert_id)})
        require_scope(actor, row[1])
        out.alert_id = row[0].id
    return out


def issue_instruction(
    uow: UnitOfWork,
    actor: Actor,
    request: IssueRequest,
    policy: DeadlinePolicy,
    *,
    source_key: str | None = None,
    automatic: bool = False,
) -> Instruction:
    """下发: check the instruction (``rules.subject_problems``, ``deadline_problems``),
    resolve its references and its targets to concrete staff, and write it "open" with
    each target "sent" and the audit entry. Supervisor and above, everything within the
    issuer's scope; ``automatic`` (the hit listener) skips the role check because the
    person confirming the hit made the decision. Returns the instruction (flushed)."""
    if not automatic:
        require_role(actor, "supervisor")
    ack_s = request.acknowledge_within_s or policy.acknowledge_within_s
    report_s = request.report_within_s or policy.report_within_s
    problems = subject_problems(request.kind, request.text, request.subject) + deadline_problems(
        ack_s, report_s
    )
    if problems:
        raise InstructionInvalid(
            "；".join(p.message for p in problems),
            data={"reasons": [p.to_dict() for p in problems]},
        )
    resolved = _resolve_subject(uow, actor, request.subject)
    unit, recipients, spec = resolve_targets(uow, actor, request.targets, resolved.booth_code)
    if not recipients:
        raise NoTargets("该单位没有可接收指令的在岗民警", data={"unit": unit.code, "targets": spec})
    now = uow.clock.now()
    instruction = create_instruction(
        uow,
        actor,
        kind=request.kind,
        text=request.text.strip(),
        unit=unit,
        recipients=recipients,
        spec=spec,
        dl=deadlines(now, policy, ack_s, report_s),
        plate_no=resolved.plate_no,
        booth_id=resolved.booth_id,
        hit_id=resolved.hit_id,
        alert_id=resolved.alert_id,
        help_call_id=resolved.help_call_id,
        location=(request.subject.location or "").strip() or None,
        source_key=source_key,
        audit_data={"automatic": True} if automatic else None,
    )
    return instruction


def create_instruction(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: str,
    text: str,
    unit: OrgUnit,
    recipients: list[Recipient],
    spec: dict[str, Any],
    dl: Deadlines,
    plate_no: str | None = None,
    booth_id: uuid.UUID | None = None,
    hit_id: uuid.UUID | None = None,
    alert_id: uuid.UUID | None = None,
    help_call_id: uuid.UUID | None = None,
    location: str | None = None,
    escalated_from: Instruction | None = None,
    escalation_step: str | None = None,
    source_key: str | None = None,
    audit_data: dict[str, Any] | None = None,
) -> Instruction:
    """Write an instruction that is already checked (the issue above, or an escalation
    from the sweep) with its targets and its "instruction.issued" audit entry."""
    now = uow.clock.now()
    instruction = Instruction(
        no=reference("ZL", now),
        kind=kind,
        text=text[:500],
        plate_no=plate_no,
        booth_id=booth_id,
        hit_id=hit_id,
        alert_id=alert_id,
        help_call_id=help_call_id,
        location=location,
        org_unit_id=unit.id,
        target_spec=spec,
        completion=default_completion(kind),
        issued_by_id=actor.id if actor.kind == "staff" else None,
        issued_by=actor.name,
        issued_at=now,
        acknowledge_due_at=dl.acknowledge_due_at,
        report_due_at=dl.report_due_at,
        expires_at=dl.expires_at,
        state="open",
        state_changed_at=now,
        checkpoint=0,
        next_check_at=next_check_at(dl, 0),
        escalated_from_id=escalated_from.id if escalated_from is not None else None,
        escalation_step=escalation_step,
        source_key=source_key,
    )
    uow.session.add(instruction)
    uow.session.flush()
    for person in recipients:
        uow.session.add(
            InstructionTarget(
                instruction_id=instruction.id,
                staff_id=person.staff_id,
                username=person.username,
                name=person.name,
                org_unit_id=person.org_unit_id,
                state="sent",
            )
        )
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "instruction.issued",
        "instruction",
        instruction.id,
        data={
            "no": instruction.no,
            "kind": kind,
            "unit": unit.code,
            "targets": [p.username for p in recipients],
            "plate": plate_no,
            "hit_id": str(hit_id) if hit_id else None,
            "alert_id": str(alert_id) if alert_id else None,
            "acknowledge_due_at": dl.acknowledge_due_at.isoformat(),
            "report_due_at": dl.report_due_at.isoformat(),
            "escalated_from": str(escalated_from.id) if escalated_from is not None else None,
            **(audit_data or {}),
        },
    )
    return instruction


# --- loading with visibility --------------------------------------------------------------


def facts(target: InstructionTarget) -> TargetFacts:
    return TargetFacts(target.state, target.missed_step, target.acknowledged_at is not None)


def targets_of(
    uow: UnitOfWork, instruction_id: uuid.UUID, *, lock: bool = False
) -> list[InstructionTarget]:
    query = (
        select(InstructionTarget)
        .where(InstructionTarget.instruction_id == instruction_id)
        .order_by(InstructionTarget.username)
    )
    if lock:
        query = query.with_for_update()
    return list(uow.session.execute(query).scalars())


def visible(actor: Actor, unit_path: str, targets: list[InstructionTarget]) -> bool:
    """An officer sees the instructions that went to them; supervisors and admins also
    those of their scope (admins: all)."""
    if actor.kind != "staff":
        return False
    if any(t.staff_id == actor.id for t in targets):
        return True
    if actor.role not in ("supervisor", "admin"):
        return False
    return path_in_scope(actor, unit_path)


def load(
    uow: UnitOfWork, actor: Actor, instruction_id: uuid.UUID, *, lock: bool = False
) -> tuple[Instruction, OrgUnit, list[InstructionTarget]]:
    """The instruction, its unit and its targets, if the caller may see it (else 404:
    whether it exists is not told)."""
    query = select(Instruction).where(Instruction.id == instruction_id)
    if lock:
        query = query.with_for_update()
    instruction = uow.session.execute(query).scalar_one_or_none()
    if instruction is None:
        raise InstructionUnknown("没有该指令", data={"id": str(instruction_id)})
    unit = uow.session.get(OrgUnit, instruction.org_unit_id)
    assert unit is not None
    targets = targets_of(uow, instruction.id, lock=lock)
    if not visible(actor, unit.path, targets):
        raise InstructionUnknown("没有该指令", data={"id": str(instruction_id)})
    return instruction, unit, targets


# --- moves ------------------------------------------------------------------------------


def _my_target(
    actor: Actor, instruction: Instruction, targets: list[InstructionTarget]
) -> InstructionTarget:
    if instruction.state in TERMINAL_STATES:
        raise InstructionClosed(
            "该指令已结束（已完成、已撤销或已过期），不能再签收或反馈",
            data={"state": instruction.state},
        )
    for target in targets:
        if target.staff_id == actor.id:
            return target
    raise NotATarget("该指令不是下发给您的，只有接收民警可以签收和反馈")


def set_state(uow: UnitOfWork, actor: Actor, instruction: Instruction, new: str) -> None:
    """Move the instruction to ``new`` (already allowed by the rules) with its audit
    entry; a final state stops the sweep looking at it and settles its escalations."""
    previous = instruction.state
    now = uow.clock.now()
    instruction.state = InstructionState(new)
    instruction.state_changed_at = now
    if new == "completed":
        instruction.completed_at = now
    if new in TERMINAL_STATES:
        instruction.next_check_at = None
    uow.session.flush()
    audit.record(
        uow,
        actor,
        f"instruction.{new}",
        "instruction",
        instruction.id,
        data={"no": instruction.no, "from": previous},
    )
    if new in ("completed", "cancelled"):
        settle_escalations(uow, instruction)


def settle_escalations(uow: UnitOfWork, instruction: Instruction) -> int:
    """Once an instruction is completed or cancelled, the escalations of its missed
    steps that are still active have nothing left to chase: they are cancelled by the
    system with that reason (and theirs in turn). Returns how many."""
    children = uow.session.execute(
        select(Instruction)
        .where(
            Instruction.escalated_from_id == instruction.id,
            Instruction.state.in_(ACTIVE_STATES),
        )
        .with_for_update()
    ).scalars()
    settled = 0
    reason = (
        "原指令已完成反馈，督办自动撤销"
        if instruction.state == "completed"
        else "原指令已撤销，督办自动撤销"
    )
    for child in list(children):
        cancel_now(uow, SYSTEM, child, targets_of(uow, child.id, lock=True), reason)
        settled += 1
    return settled


def _after_target_move(
    uow: UnitOfWork, actor: Actor, instruction: Instruction, targets: list[InstructionTarget]
) -> None:
    new = state_after_target_move(
        instruction.state, [facts(t) for t in targets], instruction.completion
    )
    if new != instruction.state:
        set_state(uow, actor, instruction, new)


def acknowledge(
    uow: UnitOfWork, actor: Actor, instruction_id: uuid.UUID, note: str | None = None
) -> tuple[Instruction, OrgUnit, list[InstructionTarget]]:
    """签收 by a target (late after a missed acknowledgement is allowed and shows as late)."""
    instruction, unit, targets = load(uow, actor, instruction_id, lock=True)
    target = _my_target(actor, instruction, targets)
    if not target_may_move(target.state, target.missed_step, "acknowledged"):
        raise StepDone(
            "您已签收该指令" if target.state != "cancelled" else "您的指令任务已撤销",
            data={"state": target.state},
        )
    now = uow.clock.now()
    late = now >= instruction.acknowledge_due_at
    target.state = TargetState.ACKNOWLEDGED
    target.acknowledged_at = now
    target.acknowledge_note = (note or "").strip()[:200] or None
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "instruction.target_acknowledged",
        "instruction",
        instruction.id,
        reason=target.acknowledge_note,
        data={"no": instruction.no, "officer": target.username, "late": late},
    )
    _after_target_move(uow, actor, instruction, targets)
    return instruction, unit, targets


@dataclass(frozen=True)
class Report:
    result: str
    text: str | None = None
    evidence_note: str | None = None


def report(
    uow: UnitOfWork, actor: Actor, instruction_id: uuid.UUID, content: Report
) -> tuple[Instruction, OrgUnit, list[InstructionTarget]]:
    """反馈 by a target: the result (``rules.RESULTS_BY_KIND``), text and an evidence note.
    A report without an earlier acknowledgement acknowledges too. The instruction is
    completed when its completion is met (``rules.completion_met``)."""
    instruction, unit, targets = load(uow, actor, instruction_id, lock=True)
    problems = report_problems(instruction.kind, content.result, content.text)
    if problems:
        raise ReportInvalid(
            "；".join(p.message for p in problems),
            data={"reasons": [p.to_dict() for p in problems]},
        )
    target = _my_target(actor, instruction, targets)
    if not target_may_move(target.state, target.missed_step, "reported"):
        raise StepDone("您已反馈该指令", data={"state": target.state})
    now = uow.clock.now()
    target.state = TargetState.REPORTED
    if target.acknowledged_at is None:
        target.acknowledged_at = now
    target.reported_at = now
    target.result = content.result
    target.report_text = (content.text or "").strip() or None
    target.evidence_note = (content.evidence_note or "").strip()[:500] or None
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "instruction.target_reported",
        "instruction",
        instruction.id,
        data={
            "no": instruction.no,
            "officer": target.username,
            "result": content.result,
            "late": now >= instruction.report_due_at,
        },
    )
    _after_target_move(uow, actor, instruction, targets)
    return instruction, unit, targets


def cancel_now(
    uow: UnitOfWork,
    actor: Actor,
    instruction: Instruction,
    targets: list[InstructionTarget],
    reason: str,
) -> None:
    """Cancel an active instruction: its targets not yet reported are cancelled too."""
    now = uow.clock.now()
    instruction.cancelled_at = now
    instruction.cancelled_by = actor.name
    instruction.cancel_reason = reason[:200]
    for target in targets:
        if target_may_move(target.state, target.missed_step, "cancelled"):
            target.state = TargetState.CANCELLED
    uow.session.flush()
    set_state(uow, actor, instruction, "cancelled")


def cancel(
    uow: UnitOfWork, actor: Actor, instruction_id: uuid.UUID, reason: str
) -> tuple[Instruction, OrgUnit, list[InstructionTarget]]:
    """撤销 with a reason (supervisor and above, within the instruction's scope)."""
    require_role(actor, "supervisor")
    text = reason.strip()
    if len(text) < TEXT_MIN:
        raise ReasonRequired("撤销指令须填写原因（至少2个字）")
    instruction, unit, targets = load(uow, actor, instruction_id, lock=True)
    require_scope(actor, unit.path)
    if instruction.state not in ACTIVE_STATES:
        raise InstructionClosed("该指令已结束，不能撤销", data={"state": instruction.state})
    cancel_now(uow, actor, instruction, targets, text)
    return instruction, unit, targets
