"""What the instructions API answers (``response_model`` of instructions.routes): the list
and one instruction as ``views`` build them, and the deadline sweep's counts. Times are ISO
8601 strings; ``now`` is the centre's clock, so a phone counts deadlines down from it."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gangting.web.openapi import Answer


class InstructionSubject(Answer):
    plate_no: str | None
    plate: str | None = Field(description="显示用号牌")
    booth: str | None
    hit_id: str | None
    alert_id: str | None
    help_call_id: str | None
    location: str | None


class UnitOut(Answer):
    code: str
    name: str
    kind: str


class TargetCounts(Answer):
    targets: int
    acknowledged: int
    reported: int
    missed: int


class TargetOut(Answer):
    """One receiving officer (``views.target_view``)."""

    username: str
    name: str
    state: str
    state_zh: str
    acknowledged_at: str | None
    acknowledged_late: bool
    acknowledge_note: str | None
    reported_at: str | None
    reported_late: bool
    result: str | None
    result_zh: str | None
    report_text: str | None
    evidence_note: str | None
    missed_step: str | None
    missed_step_zh: str | None
    missed_at: str | None


class ResultChoice(Answer):
    value: str
    zh: str


class InstructionOut(Answer):
    """An instruction as the list and the phone show it (``views.instruction_view``);
    ``mine`` is the caller's own target, null when the caller is not one."""

    id: str
    no: str
    kind: str
    kind_zh: str
    text: str
    state: str
    state_zh: str
    active: bool
    subject: InstructionSubject
    legal_basis: list[str]
    unit: UnitOut
    targets_spec: dict[str, Any] = Field(description="下发时指定的接收对象")
    completion: str = Field(description="any | all")
    issued_by: str | None
    issued_by_name: str | None
    issued_at: str | None
    acknowledge_due_at: str | None
    report_due_at: str | None
    expires_at: str | None
    state_changed_at: str | None
    completed_at: str | None
    cancelled_at: str | None
    cancelled_by: str | None
    cancel_reason: str | None
    expired_at: str | None
    escalation_step: str | None
    counts: TargetCounts
    mine: TargetOut | None
    results: list[ResultChoice] = Field(description="该类指令可反馈的结果")


class Me(Answer):
    username: str
    name: str
    role: str


class InstructionList(Answer):
    now: str | None
    me: Me | None
    instructions: list[InstructionOut]


class InstructionBrief(Answer):
    id: str
    no: str
    kind: str
    kind_zh: str
    state: str
    state_zh: str


class EscalationOut(Answer):
    step: str
    step_zh: str
    due_at: str | None
    escalated_at: str | None
    to_unit: str | None
    escalation: InstructionBrief | None
    alert_id: str | None
    missed: list[str] = Field(description="未按时办理的民警用户名")


class TrailEntry(Answer):
    at: str | None
    action: str
    action_zh: str
    actor_kind: str
    actor: str
    actor_name: str
    reason: str | None
    data: dict[str, Any]


class InstructionDetail(InstructionOut):
    """One instruction with every target, its escalations and the whole trail."""

    now: str | None
    targets: list[TargetOut]
    escalations: list[EscalationOut]
    escalated_from: InstructionBrief | None
    trail: list[TrailEntry]


class SweepOut(Answer):
    instructions: int
    targets_missed: int
    escalated: int
    expired: int
    escalations: list[str] = Field(description="升级督办生成的指令编号")
