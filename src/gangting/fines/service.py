"""Paying fines and late fees through the payment platform port.

Two steps, each its own unit of work: ``create_payment`` writes the pending order (the
idempotent write: a retried key finds the same order); ``settle_payment`` asks the
platform and moves pending -> succeeded | declined | failed exactly once. The platform is
idempotent on our payment number, so asking again never charges twice. A decision with a
pending payment cannot get a second one: money is never taken twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select, update

from gangting.applications.service import record_application
from gangting.audit import service as audit
from gangting.citizens.models import Citizen
from gangting.fines.deferral_rules import DeferralKind, DeferralState
from gangting.fines.errors import (
    AlreadyPaid,
    DecisionNotFound,
    PauseCaseMismatch,
    PauseCaseRegistered,
    PauseOpen,
    PaymentNotFound,
    PaymentPending,
    UnderInstalments,
)
from gangting.fines.models import (
    FineDeferral,
    FineInstalment,
    Payment,
    PaymentItem,
    PenaltyDecision,
)
from gangting.fines.rules import (
    DecisionState,
    FinePolicy,
    LateFee,
    Pause,
    case_number,
    check_pause_dates,
    check_pause_end,
    late_fee,
)
from gangting.integrations.payment import OrderStatus, PaymentPlatform, PaymentTimeout
from gangting.kernel import law
from gangting.kernel.actor import Actor
from gangting.kernel.clock import city_date
from gangting.kernel.decision import Reason
from gangting.kernel.ids import new_id, reference
from gangting.kernel.money import format_yuan
from gangting.kernel.unit_of_work import UnitOfWork

LATE_FEE_BASIS = (law.cite(law.PENALTY_LAW, "第72条"), law.cite(law.ROAD_LAW, "第109条"))
PAYMENT_BASIS = (law.cite(law.PENALTY_LAW, "第67条"), law.cite(law.ROAD_LAW, "第108条"))
UNKNOWN_ORDER_GIVE_UP_S = 120


def pauses_of(decision: PenaltyDecision) -> list[tuple[date, date | None]]:
    """The decision's late-fee pauses as (start, end) ranges (both stored shapes)."""
    return [(p.start, p.end) for p in map(Pause.from_json, decision.pauses)]


def fee_of(decision: PenaltyDecision, paid_on: date, policy: FinePolicy) -> LateFee:
    return late_fee(
        decision.fine_fen, decision.due_on, paid_on, paused=pauses_of(decision), policy=policy
    )


def amount_view(decision: PenaltyDecision, on: date, policy: FinePolicy) -> dict[str, Any]:
    fee = fee_of(decision, on, policy)
    return {
        "decision_no": decision.decision_no,
        "fine_fen": decision.fine_fen,
        "late_fee_fen": fee.amount_fen,
        "days_late": fee.days_late,
        "late_fee_capped": fee.capped,
        "total_fen": decision.fine_fen + fee.amount_fen,
        "total_display": format_yuan(decision.fine_fen + fee.amount_fen),
        "due_on": decision.due_on.isoformat(),
        "state": decision.state,
    }


def unpaid_decisions(
    uow: UnitOfWork, citizen: Citizen, decision_nos: list[str], *, lock: bool = False
) -> list[PenaltyDecision]:
    """The citizen's decisions of these numbers, all still unpaid (locked on request);
    DecisionNotFound for a number not theirs, AlreadyPaid for one paid already."""
    query = select(PenaltyDecision).where(
        PenaltyDecision.decision_no.in_(decision_nos),
        PenaltyDecision.citizen_id == citizen.id,
    )
    decisions = uow.session.execute(query.with_for_update() if lock else query).scalars().all()
    missing = sorted(set(decision_nos) - {d.decision_no for d in decisions})
    if missing:
        raise DecisionNotFound("未查询到您名下的该处罚决定", data={"decision_nos": missing})
    paid = [d.decision_no for d in decisions if d.state == "paid"]
    if paid:
        raise AlreadyPaid("该处罚决定的罚款已缴纳，无需重复缴纳", data={"decision_nos": paid})
    by_instalments = sorted(
        uow.session.execute(
            select(PenaltyDecision.decision_no)
            .join(FineDeferral, FineDeferral.decision_id == PenaltyDecision.id)
            .where(
                FineDeferral.decision_id.in_([d.id for d in decisions]),
                FineDeferral.kind == DeferralKind.INSTALMENTS,
                FineDeferral.state == DeferralState.APPROVED,
            )
        ).scalars()
    )
    if by_instalments:
        raise UnderInstalments(
            "该罚款已批准分期缴纳，请按期缴纳各期款项",
            data={"decision_nos": by_instalments},
            legal_basis=[law.cite(law.PENALTY_LAW, "第66条第2款")],
        )
    return list(decisions)


def quote_decisions(
    uow: UnitOfWork, citizen: Citizen, decision_nos: list[str], policy: FinePolicy
) -> list[dict[str, Any]]:
    """What paying these decisions today costs, each with its late fee (nothing written)."""
    today = uow.clock.today()
    decisions = unpaid_decisions(uow, citizen, decision_nos)
    order = {no: i for i, no in enumerate(decision_nos)}
    decisions.sort(key=lambda d: order[d.decision_no])
    return [amount_view(d, today, policy) for d in decisions]


def pending_payment_no(uow: UnitOfWork, items: ColumnElement[bool]) -> str | None:
    """The number of a pending payment with an item matching ``items`` (one is enough: money
    is never taken twice), or None."""
    return (
        uow.session.execute(
            select(Payment.payment_no)
            .join(PaymentItem, PaymentItem.payment_id == Payment.id)
            .where(items, Payment.state == "pending")
        )
        .scalars()
        .first()
    )


@dataclass(frozen=True)
class PaymentLine:
    """One item of a payment order: a decision's fine, or one instalment of it, with its
    late fee."""

    decision_id: uuid.UUID
    fine_fen: int
    late_fee_fen: int
    days_late: int
    instalment_id: uuid.UUID | None = None


def open_payment(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    lines: Iterable[PaymentLine],
    audit_data: dict[str, Any],
) -> Payment:
    """Write the pending payment order of these lines (its amount their sum), audited as
    ``payment.created`` with the amount and ``audit_data``."""
    now = uow.clock.now()
    payment = Payment(
        id=new_id(),
        payment_no=reference("JK", now),
        citizen_id=citizen.id,
        booth_id=actor.booth_id,
        amount_fen=0,
        state="pending",
        created_at=now,
    )
    uow.session.add(payment)
    total = 0
    for line in lines:
        total += line.fine_fen + line.late_fee_fen
        uow.session.add(
            PaymentItem(
                payment_id=payment.id,
                decision_id=line.decision_id,
                instalment_id=line.instalment_id,
                fine_fen=line.fine_fen,
                late_fee_fen=line.late_fee_fen,
                days_late=line.days_late,
            )
        )
    payment.amount_fen = total
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "payment.created",
        "payment",
        payment.payment_no,
        data={"amount_fen": total, **audit_data},
    )
    return payment


def create_payment(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    decision_nos: list[str],
    policy: FinePolicy,
) -> Payment:
    today = uow.clock.today()
    decisions = unpaid_decisions(uow, citizen, decision_nos, lock=True)
    pending = pending_payment_no(uow, PaymentItem.decision_id.in_([d.id for d in decisions]))
    if pending is not None:
        raise PaymentPending(
            "该罚款有一笔缴款正在确认中，请稍候查询结果", data={"payment_no": pending}
        )

    def lines() -> Iterable[PaymentLine]:
        for decision in decisions:
            fee = fee_of(decision, today, policy)
            yield PaymentLine(decision.id, decision.fine_fen, fee.amount_fen, fee.days_late)

    return open_payment(uow, actor, citizen, lines(), {"decisions": decision_nos})


def ask_platform(
    platform: PaymentPlatform, payment_no: str, amount_fen: int, payer_code: str
) -> OrderStatus:
    """Outside any transaction: create (idempotent by payment_no) or query the order."""
    try:
        status = platform.query_order(payment_no)
        if status.state == "unknown" and payer_code:
            status = platform.create_order(payment_no, amount_fen, payer_code, "交通违法罚款")
        return status
    except PaymentTimeout:
        return OrderStatus("pending", reason="缴款平台响应超时，正在确认结果")


def settle_payment(uow: UnitOfWork, actor: Actor, payment_no: str, status: OrderStatus) -> Payment:
    """Move a pending payment to its final state exactly once: a compare-and-set UPDATE
    (… WHERE state = 'pending' RETURNING) decides, so two settlers never both win."""
    now = uow.clock.now()
    if status.state == "paid":
        values: dict[str, Any] = {
            "state": "succeeded",
            "settled_at": now,
            "platform_ref": status.platform_ref,
            "receipt_no": reference("PJ", now),
        }
    elif status.state == "declined":
        values = {"state": "declined", "settled_at": now, "failure": status.reason}
    elif status.state == "unknown":
        values = {"state": "failed", "settled_at": now, "failure": "未收到缴款平台确认"}
    else:
        return get_payment(uow, payment_no)
    query = update(Payment).where(Payment.payment_no == payment_no, Payment.state == "pending")
    if status.state == "unknown":  # give the platform time before calling an order lost
        query = query.where(Payment.created_at < now - timedelta(seconds=UNKNOWN_ORDER_GIVE_UP_S))
    payment = uow.session.scalars(
        query.values(**values).returning(Payment),
        execution_options={"populate_existing": True},
    ).first()
    if payment is None:
        return get_payment(uow, payment_no)
    if payment.state == "succeeded":
        _mark_paid(uow, actor, payment)
    else:
        audit.record(
            uow,
            actor,
            f"payment.{payment.state}",
            "payment",
            payment_no,
            data={"reason": payment.failure},
        )
    return payment


def _mark_paid(uow: UnitOfWork, actor: Actor, payment: Payment) -> None:
    today = uow.clock.today()
    items = uow.session.execute(
        select(PaymentItem, PenaltyDecision)
        .join(PenaltyDecision, PenaltyDecision.id == PaymentItem.decision_id)
        .where(PaymentItem.payment_id == payment.id)
        .with_for_update(of=PenaltyDecision)
    ).all()
    for item, decision in items:
        if item.instalment_id is not None:
            _mark_instalment_paid(uow, item, decision, today)
            continue
        decision.state = DecisionState.PAID
        decision.paid_on = today
        decision.late_fee_paid_fen = item.late_fee_fen
    reasons = [Reason("fines.paid", "罚款及加处罚款已缴纳", PAYMENT_BASIS)]
    if any(item.late_fee_fen for item, _ in items):
        reasons.append(
            Reason("fines.late_fee", "逾期缴纳，按日加处罚款数额百分之三", LATE_FEE_BASIS)
        )
    application = record_application(
        uow,
        actor,
        service_item="pay_fines",
        citizen_id=payment.citizen_id,
        state="completed",
        reasons=reasons,
        result={
            "payment_no": payment.payment_no,
            "amount_fen": payment.amount_fen,
            "decisions": [d.decision_no for _, d in items],
        },
    )
    payment.application_no = application.receipt_no
    audit.record(
        uow,
        actor,
        "payment.succeeded",
        "payment",
        payment.payment_no,
        data={"amount_fen": payment.amount_fen},
    )


def _mark_instalment_paid(
    uow: UnitOfWork, item: PaymentItem, decision: PenaltyDecision, today: date
) -> None:
    """The instalment is paid; the decision is paid with its last instalment (its late fee
    paid: the sum of the instalments')."""
    instalment = uow.session.execute(
        select(FineInstalment).where(FineInstalment.id == item.instalment_id).with_for_update()
    ).scalar_one()
    instalment.state = DecisionState.PAID
    instalment.paid_on = today
    instalment.late_fee_paid_fen = item.late_fee_fen
    uow.session.flush()
    plan = list(
        uow.session.execute(
            select(FineInstalment).where(FineInstalment.deferral_id == instalment.deferral_id)
        ).scalars()
    )
    if all(i.state == DecisionState.PAID for i in plan):
        decision.state = DecisionState.PAID
        decision.paid_on = today
        decision.late_fee_paid_fen = sum(i.late_fee_paid_fen for i in plan)


def get_payment(uow: UnitOfWork, payment_no: str) -> Payment:
    payment = uow.session.execute(
        select(Payment).where(Payment.payment_no == payment_no)
    ).scalar_one_or_none()
    if payment is None:
        raise PaymentNotFound("未查询到该缴款记录")
    return payment


def payment_view(uow: UnitOfWork, payment: Payment) -> dict[str, Any]:
    items = uow.session.execute(
        select(PaymentItem, PenaltyDecision.decision_no, FineInstalment.instalment_no)
        .join(PenaltyDecision, PenaltyDecision.id == PaymentItem.decision_id)
        .outerjoin(FineInstalment, FineInstalment.id == PaymentItem.instalment_id)
        .where(PaymentItem.payment_id == payment.id)
    ).all()
    state_zh = {
        "pending": "待确认",
        "succeeded": "缴款成功",
        "declined": "支付被拒绝",
        "failed": "缴款未成功",
    }
    return {
        "payment_no": payment.payment_no,
        "state": payment.state,
        "state_text": state_zh[payment.state],
        "amount_fen": payment.amount_fen,
        "amount_display": format_yuan(payment.amount_fen),
        "receipt_no": payment.receipt_no,
        "application_no": payment.application_no,
        "failure": payment.failure,
        "items": [
            {
                "decision_no": no,
                "instalment_no": instalment_no,
                "fine_fen": item.fine_fen,
                "late_fee_fen": item.late_fee_fen,
                "days_late": item.days_late,
            }
            for item, no, instalment_no in items
        ],
        "legal_basis": list(PAYMENT_BASIS),
    }


def find_decision(uow: UnitOfWork, decision_no: str, *, lock: bool = False) -> PenaltyDecision:
    """The decision of this number (row-locked on request); ``DecisionNotFound`` otherwise."""
    query = select(PenaltyDecision).where(PenaltyDecision.decision_no == decision_no)
    decision = uow.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if decision is None:
        raise DecisionNotFound("未查询到该处罚决定", data={"decision_no": decision_no})
    return decision


def pause_late_fee(
    uow: UnitOfWork,
    actor: Actor,
    decision: PenaltyDecision,
    kind: str,
    start: date,
    end: date | None,
    case_no: str,
    policy: FinePolicy,
    *,
    max_days: int,
) -> dict[str, Any]:
    """Record a review (行政复议) or litigation (行政诉讼) period of ``decision`` (found locked,
    its jurisdiction checked by the caller): no late fee accrues in it (行政处罚法 第73条第3款).
    ``end`` None opens the period; a later call under the same case number closes it (its
    ``start`` is then the one registered). The dates must hold (``rules.check_pause_dates``),
    the case number (案号) is required and kept with the period."""
    if decision.state == "paid":
        raise AlreadyPaid("该处罚决定的罚款已缴纳", data={"decision_no": decision.decision_no})
    case_no = case_number(case_no)
    today = uow.clock.today()
    pauses = [Pause.from_json(p) for p in decision.pauses]
    if pauses and pauses[-1].end is None:
        open_pause = pauses[-1]
        if end is None:
            raise PauseOpen("已有未结束的复议或诉讼期间", data={"case_no": open_pause.case_no})
        if open_pause.case_no is not None and open_pause.case_no != case_no:
            raise PauseCaseMismatch(
                f"未结束的复议或诉讼期间案号为{open_pause.case_no}，与本次登记的案号不一致",
                data={"case_no": open_pause.case_no},
            )
        check_pause_end(open_pause.start, end, today=today, max_days=max_days)
        pauses[-1] = Pause(open_pause.start, end, case_no, open_pause.kind or kind)
    else:
        if any(p.case_no == case_no for p in pauses):
            raise PauseCaseRegistered("该案号的复议或诉讼期间已登记", data={"case_no": case_no})
        check_pause_dates(
            start,
            end,
            decided_on=city_date(decision.decided_at),
            today=today,
            max_days=max_days,
        )
        pauses.append(Pause(start, end, case_no, kind))
    decision.pauses = [p.to_json() for p in pauses]
    audit.record(
        uow,
        actor,
        "decision.late_fee_paused",
        "penalty_decision",
        decision.decision_no,
        data={"kind": kind, "case_no": case_no, "pauses": decision.pauses},
    )
    view = amount_view(decision, today, policy)
    view["pauses"] = [[p.start.isoformat(), p.end.isoformat() if p.end else None] for p in pauses]
    view["periods"] = [
        {
            "start": p.start.isoformat(),
            "end": p.end.isoformat() if p.end else None,
            "case_no": p.case_no,
            "kind": p.kind,
        }
        for p in pauses
    ]
    view["legal_basis"] = [law.cite(law.PENALTY_LAW, "第73条第3款")]
    return view
