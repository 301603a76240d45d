"""Instruction tables: the instruction, its targets (the concrete staff it was resolved to
at issue time, each with its own state and report) and the escalations of its missed
steps (one row per instruction and step: the sweep escalates once)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gangting.instructions.rules import InstructionKind, InstructionState, TargetState
from gangting.kernel.db import Base, IdMixin, JsonColumn, StrEnumText


class Instruction(IdMixin, Base):
    """An instruction (指令): kind, zh-CN text, what it is about (plate, booth, hit, alert,
    help call, place and direction), who issued it, the unit whose staff it went to
    (``org_unit_id``, also its scope), deadlines and the state of the whole.

    ``checkpoint`` counts the deadlines the sweep has passed (acknowledge, report, expire)
    and ``next_check_at`` is when it must look again (None once final). An escalation
    (kind "escalation", issued by the system) names the instruction whose step was missed
    in ``escalated_from_id``. ``source_key`` makes issuing from a source idempotent
    ("hit:<id>" for the automatic interception after a confirmed hit)."""

    __tablename__ = "instructions"
    __table_args__ = (
        Index("ix_instructions_state_next_check", "state", "next_check_at"),
        Index("ix_instructions_org_issued", "org_unit_id", "issued_at"),
    )

    no: Mapped[str] = mapped_column(String(24), unique=True)  # ZL20261126K7M2Q9XA
    kind: Mapped[InstructionKind] = mapped_column(StrEnumText(InstructionKind, 24))
    text: Mapped[str] = mapped_column(String(500))
    plate_no: Mapped[str | None] = mapped_column(String(10), index=True)
    booth_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booths.id"))
    hit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("watch_list_hits.id"), index=True)
    alert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alerts.id"))
    help_call_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("help_calls.id"))
    location: Mapped[str | None] = mapped_column(String(200))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    # How the issuer named the targets: {"squadron": code} | {"booth": code} |
    # {"officers": [usernames]} | {"leaders": unit code} (escalations).
    target_spec: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    completion: Mapped[str] = mapped_column(String(8))  # any | all
    issued_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_accounts.id"))
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime]
    acknowledge_due_at: Mapped[datetime]
    report_due_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    state: Mapped[InstructionState] = mapped_column(StrEnumText(InstructionState, 16))
    state_changed_at: Mapped[datetime]
    checkpoint: Mapped[int] = mapped_column(default=0)
    next_check_at: Mapped[datetime | None]
    escalated_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("instructions.id"), index=True
    )
    escalation_step: Mapped[str | None] = mapped_column(String(16))
    source_key: Mapped[str | None] = mapped_column(String(96), unique=True)
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    expired_at: Mapped[datetime | None]


class InstructionTarget(IdMixin, Base):
    """One staff member an instruction went to, resolved at issue time (a later change of
    the squadron's roster does not change who was told): sent -> acknowledged -> reported,
    or missed (``missed_step``) and perhaps late after that; the report's result, text and
    evidence note."""

    __tablename__ = "instruction_targets"
    __table_args__ = (
        UniqueConstraint("instruction_id", "staff_id"),
        Index("ix_instruction_targets_staff_state", "staff_id", "state"),
    )

    instruction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("instructions.id"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_accounts.id"))
    username: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    state: Mapped[TargetState] = mapped_column(StrEnumText(TargetState, 16))
    acknowledged_at: Mapped[datetime | None]
    acknowledge_note: Mapped[str | None] = mapped_column(String(200))
    reported_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(String(16))
    report_text: Mapped[str | None] = mapped_column(String(500))
    evidence_note: Mapped[str | None] = mapped_column(String(500))
    missed_step: Mapped[str | None] = mapped_column(String(16))
    missed_at: Mapped[datetime | None]


class InstructionEscalation(Base):
    """A missed step of an instruction, escalated once: to which unit, by which
    escalation instruction (None when nobody above was left), with which alert."""

    __tablename__ = "instruction_escalations"

    instruction_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instructions.id"), primary_key=True
    )
    step: Mapped[str] = mapped_column(String(16), primary_key=True)
    escalated_at: Mapped[datetime]
    due_at: Mapped[datetime]
    to_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))
    escalation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("instructions.id"))
    alert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alerts.id"))
    missed: Mapped[list[str]] = mapped_column(JsonColumn, default=list)  # usernames
