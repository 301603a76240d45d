"""Penalty decisions (处罚决定书) and payments of fines and late fees."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gangting.audit.ledger import ledger_bound
from gangting.fines.deferral_rules import DeferralKind, DeferralState
from gangting.fines.rules import DecisionOutcome, DecisionState, PaymentState
from gangting.kernel.db import Base, IdMixin, JsonColumn, StrEnumText


@ledger_bound
class PenaltyDecision(IdMixin, Base):
    __tablename__ = "penalty_decisions"
    __table_args__ = (Index("ix_penalty_decisions_citizen_state", "citizen_id", "state"),)

    decision_no: Mapped[str] = mapped_column(String(32), unique=True)
    # One decision per violation: processing twice can never double points or fines.
    violation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("violations.id"), unique=True)
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"))
    booth_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booths.id"))
    points: Mapped[int]
    fine_fen: Mapped[int] = mapped_column(BigInteger)
    decided_at: Mapped[datetime]
    received_on: Mapped[date]
    due_on: Mapped[date]
    state: Mapped[DecisionState] = mapped_column(
        StrEnumText(DecisionState, 16), default=DecisionState.UNPAID
    )
    paid_on: Mapped[date | None]
    late_fee_paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # Review (行政复议) or litigation pauses the late fee: [[start, end|null], ...]
    pauses: Mapped[list[Any]] = mapped_column(JsonColumn, default=list)
    legal_basis: Mapped[list[Any]] = mapped_column(JsonColumn, default=list)
    # penalty | no_penalty (不予行政处罚, 行政处罚法 第33条: no fine, no points, education)
    outcome: Mapped[DecisionOutcome] = mapped_column(
        StrEnumText(DecisionOutcome, 16),
        default=DecisionOutcome.PENALTY,
        server_default=DecisionOutcome.PENALTY.value,
    )


@ledger_bound
class Payment(IdMixin, Base):
    """One payment order on the non-tax payment platform for one or more decisions."""

    __tablename__ = "payments"

    payment_no: Mapped[str] = mapped_column(String(32), unique=True)
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), index=True)
    booth_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booths.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    # pending -> succeeded | declined | failed (timed out and confirmed unpaid)
    state: Mapped[PaymentState] = mapped_column(
        StrEnumText(PaymentState, 16), default=PaymentState.PENDING, index=True
    )
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]
    platform_ref: Mapped[str | None] = mapped_column(String(64))
    failure: Mapped[str | None] = mapped_column(String(128))
    # 票据号: the payment receipt (PJ…), issued when the payment succeeds.
    receipt_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    # 受理编号: the application (SL…) the succeeded payment completed; what a rating of
    # this payment rates.
    application_no: Mapped[str | None] = mapped_column(String(32))


@ledger_bound
class PaymentItem(IdMixin, Base):
    __tablename__ = "payment_items"

    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id"), index=True)
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("penalty_decisions.id"), index=True)
    # The instalment this item pays (分期缴纳); None: the decision's whole fine.
    instalment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("fine_instalments.id"), index=True
    )
    fine_fen: Mapped[int] = mapped_column(BigInteger)
    late_fee_fen: Mapped[int] = mapped_column(BigInteger)
    days_late: Mapped[int]


@ledger_bound
class FineDeferral(IdMixin, Base):
    """A citizen's application to defer a fine or pay it by instalments (行政处罚法
    第66条第2款): filed at a booth, granted by two supervisors or refused by one."""

    __tablename__ = "fine_deferrals"

    deferral_no: Mapped[str] = mapped_column(String(32), unique=True)
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("penalty_decisions.id"), index=True)
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), index=True)
    booth_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booths.id"))
    kind: Mapped[DeferralKind] = mapped_column(StrEnumText(DeferralKind, 16))
    reason: Mapped[str] = mapped_column(String(500))
    defer_until: Mapped[date | None]  # deferral: the last day to pay without a late fee
    instalment_count: Mapped[int | None]
    state: Mapped[DeferralState] = mapped_column(
        StrEnumText(DeferralState, 16), default=DeferralState.PENDING, index=True
    )
    applied_at: Mapped[datetime]
    applied_on: Mapped[date]
    decided_at: Mapped[datetime | None]
    # granted: the maker (the checker is on the approval); refused: the supervisor
    decided_by: Mapped[str | None] = mapped_column(String(64))
    approval_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("approvals.id"))
    note: Mapped[str | None] = mapped_column(String(500))


@ledger_bound
class FineInstalment(IdMixin, Base):
    """One instalment of an approved plan: its own amount and due date, paid exactly once."""

    __tablename__ = "fine_instalments"
    __table_args__ = (UniqueConstraint("deferral_id", "seq"),)

    instalment_no: Mapped[str] = mapped_column(String(40), unique=True)
    deferral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fine_deferrals.id"), index=True)
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("penalty_decisions.id"), index=True)
    seq: Mapped[int]
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    due_on: Mapped[date]
    state: Mapped[DecisionState] = mapped_column(
        StrEnumText(DecisionState, 16), default=DecisionState.UNPAID
    )
    paid_on: Mapped[date | None]
    late_fee_paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
