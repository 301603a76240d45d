"""The deadline sweep: run by a scheduler (every minute or so) in its own unit of work, with
the injected clock. For each active instruction whose next checkpoint has come (acknowledge,
report, expire; ``rules.checkpoints_due``):

- targets that missed the step are marked missed (``rules.target_misses``);
- when the instruction as a whole missed it (``rules.step_missed``), it is escalated once:
  an escalation instruction (督办) to the leaders of the next level
  (``rules.escalation_target``: the squadron's leader, then the brigade, then the
  detachment) and an alert of kind missed_deadline;
- at expiry an unfinished instruction expires.

Idempotent: an instruction remembers the checkpoints it passed, and an escalation is a row
keyed by (instruction, step), so running the sweep twice escalates nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from gangting.alerts import service as alerts
from gangting.audit import service as audit
from gangting.instructions.models import Instruction, InstructionEscalation, InstructionTarget
from gangting.instructions.rules import (
    ACTIVE_STATES,
    KIND_ZH,
    STEP_ZH,
    DeadlinePolicy,
    Deadlines,
    TargetState,
    checkpoint_at,
    checkpoints_due,
    deadlines,
    escalation_target,
    instruction_may_move,
    missed_severity,
    next_check_at,
    step_missed,
    target_misses,
)
from gangting.instructions.service import create_instruction, facts, set_state, targets_of
from gangting.instructions.targeting import chain_units, leaders_of
from gangting.kernel.actor import SYSTEM
from gangting.kernel.clock import CITY_ZONE
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import OrgUnit


@dataclass
class SweepResult:
    instructions: int = 0
    targets_missed: int = 0
    escalated: int = 0
    expired: int = 0
    escalations: list[str] = field(default_factory=list)  # numbers of escalation instructions

    def to_dict(self) -> dict[str, object]:
        return {
            "instructions": self.instructions,
            "targets_missed": self.targets_missed,
            "escalated": self.escalated,
            "expired": self.expired,
            "escalations": list(self.escalations),
        }


def _hhmm(at: datetime) -> str:
    return at.astimezone(CITY_ZONE).strftime("%H:%M")


def _escalate(
    uow: UnitOfWork,
    instruction: Instruction,
    targets: list[InstructionTarget],
    step: str,
    due_at: datetime,
    policy: DeadlinePolicy,
    result: SweepResult,
) -> None:
    if uow.session.get(InstructionEscalation, (instruction.id, step)) is not None:
        return
    if step == "acknowledge":
        missing = [t for t in targets if t.acknowledged_at is None and t.state != "cancelled"]
    else:
        missing = [t for t in targets if t.state not in ("reported", "cancelled")]
    unit = uow.session.get(OrgUnit, instruction.org_unit_id)
    assert unit is not None
    chain = chain_units(uow, unit)
    leaders = leaders_of(uow, chain, {t.staff_id for t in targets})
    index = escalation_target(
        [bool(group) for group in leaders], 0 if instruction.kind == "escalation" else None
    )
    kind_zh = KIND_ZH.get(instruction.kind, instruction.kind)
    step_zh = STEP_ZH[step]
    names = "、".join(t.name for t in missing) or "无"
    escalation = None
    if index is not None:
        to_unit = chain[index]
        text = (
            f"督办：指令{instruction.no}（{kind_zh}）未按时{step_zh}"
            f"（时限{_hhmm(due_at)}），未{step_zh}：{names}。"
            f"原指令：{instruction.text}"
        )
        escalation = create_instruction(
            uow,
            SYSTEM,
            kind="escalation",
            text=text[:480] + "。请立即督促落实并反馈。",
            unit=to_unit,
            recipients=leaders[index],
            spec={"leaders": to_unit.code},
            dl=deadlines(uow.clock.now(), policy),
            plate_no=instruction.plate_no,
            booth_id=instruction.booth_id,
            hit_id=instruction.hit_id,
            alert_id=instruction.alert_id,
            help_call_id=instruction.help_call_id,
            location=instruction.location,
            escalated_from=instruction,
            escalation_step=step,
            source_key=f"escalation:{instruction.id}:{step}",
        )
        result.escalations.append(escalation.no)
    alert = alerts.raise_missed_deadline(
        uow,
        subject_kind="instruction",
        subject_id=str(instruction.id),
        step=step,
        due_at=due_at,
        org_unit_id=instruction.org_unit_id,
        title=f"指令{instruction.no}（{kind_zh}）未按时{step_zh}：{names}"[:200],
        booth_id=instruction.booth_id,
        severity=missed_severity(instruction.kind),
    )
    uow.session.add(
        InstructionEscalation(
            instruction_id=instruction.id,
            step=step,
            escalated_at=uow.clock.now(),
            due_at=due_at,
            to_unit_id=chain[index].id if index is not None else None,
            escalation_id=escalation.id if escalation is not None else None,
            alert_id=alert.id,
            missed=[t.username for t in missing],
        )
    )
    uow.session.flush()
    audit.record(
        uow,
        SYSTEM,
        "instruction.deadline_missed",
        "instruction",
        instruction.id,
        data={
            "no": instruction.no,
            "step": step,
            "missed": [t.username for t in missing],
            "to_unit": chain[index].code if index is not None else None,
            "escalation_no": escalation.no if escalation is not None else None,
            "alert_id": str(alert.id),
        },
    )
    result.escalated += 1
    if instruction.state != "escalated" and instruction_may_move(instruction.state, "escalated"):
        set_state(uow, SYSTEM, instruction, "escalated")


def _sweep_one(
    uow: UnitOfWork,
    instruction: Instruction,
    policy: DeadlinePolicy,
    now: datetime,
    result: SweepResult,
) -> None:
    dl = Deadlines(
        instruction.acknowledge_due_at, instruction.report_due_at, instruction.expires_at
    )
    targets = targets_of(uow, instruction.id, lock=True)
    for checkpoint in checkpoints_due(dl, instruction.checkpoint, now):
        if instruction.state not in ACTIVE_STATES:
            break
        step = "acknowledge" if checkpoint == "acknowledge" else "report"
        for target in targets:
            if target_misses(checkpoint, facts(target)):
                target.state = TargetState.MISSED
                target.missed_step = step
                target.missed_at = now
                uow.session.flush()
                audit.record(
                    uow,
                    SYSTEM,
                    "instruction.target_missed",
                    "instruction",
                    instruction.id,
                    data={"no": instruction.no, "officer": target.username, "step": step},
                )
                result.targets_missed += 1
        if checkpoint == "expire":
            instruction.expired_at = now
            set_state(uow, SYSTEM, instruction, "expired")
            result.expired += 1
        elif step_missed(step, [facts(t) for t in targets], instruction.completion):
            _escalate(
                uow, instruction, targets, step, checkpoint_at(dl, checkpoint), policy, result
            )
        instruction.checkpoint += 1
    instruction.next_check_at = (
        next_check_at(dl, instruction.checkpoint) if instruction.state in ACTIVE_STATES else None
    )
    uow.session.flush()


def sweep_deadlines(uow: UnitOfWork, policy: DeadlinePolicy, *, limit: int = 200) -> SweepResult:
    """Pass the due checkpoints of up to ``limit`` active instructions, oldest deadline
    first (``uow.clock`` decides what is due). Rows another sweep holds are skipped
    (PostgreSQL ``SKIP LOCKED``; SQLite has one writer anyway)."""
    now = uow.clock.now()
    due = list(
        uow.session.execute(
            select(Instruction)
            .where(Instruction.state.in_(ACTIVE_STATES), Instruction.next_check_at <= now)
            .order_by(Instruction.next_check_at, Instruction.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).scalars()
    )
    result = SweepResult()
    for instruction in due:
        _sweep_one(uow, instruction, policy, now, result)
        result.instructions += 1
    return result
