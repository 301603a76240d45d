"""Detection cases (issue 11 §3): one row per pattern and subject, updated by each run."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gangting.detection.rules import CaseState, Pattern
from gangting.kernel.db import Base, IdMixin, JsonColumn, StrEnumText


class DetectionCase(IdMixin, Base):
    """What a detector found about one subject, the numbers and records behind it
    (``reasons``, ``evidence``), and the supervisor's verdict. (pattern, subject_kind,
    subject_id) is the natural key: a rerun updates the case instead of adding one."""

    __tablename__ = "detection_cases"
    __table_args__ = (
        UniqueConstraint("pattern", "subject_kind", "subject_id"),
        Index("ix_detection_cases_state_unit_path", "state", "unit_path"),
    )

    pattern: Mapped[Pattern] = mapped_column(StrEnumText(Pattern, 32))
    subject_kind: Mapped[str] = mapped_column(String(16))  # citizen | phone | booth | staff
    subject_id: Mapped[str] = mapped_column(String(64))
    # Shown to staff: masked where it names a person (150203********1234, 138****5678).
    subject_label: Mapped[str] = mapped_column(String(200))
    # The unit whose supervisors review it (staff.scope); the city's root for a case that
    # spans units.
    unit_path: Mapped[str] = mapped_column(String(255))
    score: Mapped[float]
    # [{code, message (zh-CN), numbers, legal_basis}]
    reasons: Mapped[list[Any]] = mapped_column(JsonColumn, default=list)
    # {kind: [record ids]}: decisions, violations, plates, citizens (masked), booths,
    # applications, audit_entries, staff
    evidence: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    state: Mapped[CaseState] = mapped_column(StrEnumText(CaseState, 16), default=CaseState.OPEN)
    verdict_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_accounts.id"))
    verdict_at: Mapped[datetime | None]
    verdict_note: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
