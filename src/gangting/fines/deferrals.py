"""Deferral or instalments of a fine (行政处罚法 第66条第2款): the citizen's application, its
grant or refusal, the instalments and their payment orders.

An application is filed by the citizen at a booth (pending). Granting it is a two-keys act
(desks.two_keys, kind ``fine_deferral``): the executor here runs in the maker's name once a
second supervisor approves. Refusing it takes one supervisor. A granted deferral adds a
period to the decision's late-fee pauses (kind ``deferral``, its number as the case); a
granted instalment plan writes the instalments, each paid once through the payment flow
(``create_instalment_payment``, then ``service.settle_payment``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from gangting.approvals.rules import note_text
from gangting.audit import service as audit
from gangting.citizens.models import Citizen
from gangting.fines.deferral_rules import (
    DEFERRAL_BASIS,
    KIND_ZH,
    MISSED_INSTALMENT_BASIS,
    NOT_DUE_BASIS,
    STATE_ZH,
    DeferralKind,
    DeferralPolicy,
    DeferralState,
    InstalmentState,
    check_deferral_until,
    check_instalment_count,
    deferral_pause,
    hardship_reason,
    instalment_dues,
    instalment_plan,
)
from gangting.fines.errors import (
    AlreadyPaid,
    DecisionNotFound,
    DeferralDecided,
    DeferralExists,
    DeferralNotFound,
    DeferralTooLate,
    InstalmentNotFound,
    InstalmentPaid,
    NothingToDefer,
    PaymentPending,
)
from gangting.fines.models import (
    FineDeferral,
    FineInstalment,
    Payment,
    PaymentItem,
    PenaltyDecision,
)
from gangting.fines.rules import DecisionState, FinePolicy, Pause
from gangting.fines.service import PaymentLine, open_payment, pauses_of, pending_payment_no
from gangting.kernel.actor import Actor
from gangting.kernel.decision import Reason
from gangting.kernel.ids import new_id, reference
from gangting.kernel.money import format_yuan
from gangting.kernel.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class DeferralTerms:
    """What the citizen asks for: a deferral to ``defer_until`` or ``instalment_count``
    instalments, with the hardship that justifies it."""

    kind: DeferralKind
    reason: str
    defer_until: date | None = None
    instalment_count: int | None = None


def _own_decision(uow: UnitOfWork, citizen: Citizen, decision_no: str) -> PenaltyDecision:
    decision = uow.session.execute(
        select(PenaltyDecision)
        .where(
            PenaltyDecision.decision_no == decision_no,
            PenaltyDecision.citizen_id == citizen.id,
        )
        .with_for_update()
    ).scalar_one_or_none()
    if decision is None:
        raise DecisionNotFound("未查询到您名下的该处罚决定", data={"decision_no": decision_no})
    return decision


def _open_deferral(uow: UnitOfWork, decision: PenaltyDecision) -> FineDeferral | None:
    return uow.session.execute(
        select(FineDeferral).where(
            FineDeferral.decision_id == decision.id,
            FineDeferral.state.in_([DeferralState.PENDING, DeferralState.APPROVED]),
        )
    ).scalar_one_or_none()


def apply_for_deferral(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    decision_no: str,
    terms: DeferralTerms,
    policy: DeferralPolicy,
) -> FineDeferral:
    """File the citizen's application (pending). Refused: a decision not theirs, paid, with
    no fine, past its due date (the application asks to move a deadline not yet passed), or
    already under a pending or approved application; a blank hardship; terms out of bounds."""
    today = uow.clock.today()
    decision = _own_decision(uow, citizen, decision_no)
    _check_open(decision)
    if today > decision.due_on:
        raise DeferralTooLate(
            f"缴款期限（{decision.due_on.isoformat()}）已过，不能再申请暂缓或分期缴纳",
            data={"due_on": decision.due_on.isoformat()},
            legal_basis=[DEFERRAL_BASIS],
        )
    existing = _open_deferral(uow, decision)
    if existing is not None:
        raise DeferralExists(
            "该处罚决定已有待审批或已批准的暂缓、分期缴纳申请",
            data={"deferral_no": existing.deferral_no, "state": existing.state.value},
        )
    reason = hardship_reason(terms.reason)
    until: date | None = None
    count: int | None = None
    if terms.kind == DeferralKind.DEFERRAL:
        until = check_deferral_until(
            terms.defer_until, due_on=decision.due_on, today=today, policy=policy
        )
    else:
        count = check_instalment_count(terms.instalment_count, policy)
    now = uow.clock.now()
    deferral = FineDeferral(
        id=new_id(),
        deferral_no=reference("HQ", now),
        decision_id=decision.id,
        citizen_id=citizen.id,
        booth_id=actor.booth_id,
        kind=terms.kind,
        reason=reason,
        defer_until=until,
        instalment_count=count,
        state=DeferralState.PENDING,
        applied_at=now,
        applied_on=today,
    )
    uow.session.add(deferral)
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "fine_deferral.applied",
        "fine_deferral",
        deferral.deferral_no,
        data={
            "decision_no": decision.decision_no,
            "kind": terms.kind.value,
            "defer_until": until.isoformat() if until else None,
            "instalment_count": count,
        },
    )
    return deferral


def _check_open(decision: PenaltyDecision) -> None:
    if decision.state == DecisionState.PAID:
        if decision.fine_fen == 0:
            raise NothingToDefer(
                "该处罚决定没有罚款，无需暂缓或分期缴纳",
                data={"decision_no": decision.decision_no},
            )
        raise AlreadyPaid(
            "该处罚决定的罚款已缴纳，无需暂缓或分期缴纳",
            data={"decision_nos": [decision.decision_no]},
        )


def find_deferral(uow: UnitOfWork, deferral_no: str, *, lock: bool = False) -> FineDeferral:
    query = select(FineDeferral).where(FineDeferral.deferral_no == deferral_no)
    deferral = uow.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if deferral is None:
        raise DeferralNotFound("未查询到该暂缓或分期缴纳申请", data={"deferral_no": deferral_no})
    return deferral


def decision_of(uow: UnitOfWork, deferral: FineDeferral, *, lock: bool = False) -> PenaltyDecision:
    query = select(PenaltyDecision).where(PenaltyDecision.id == deferral.decision_id)
    return uow.session.execute(query.with_for_update() if lock else query).scalar_one()


def _check_pending(deferral: FineDeferral) -> None:
    if deferral.state != DeferralState.PENDING:
        raise DeferralDecided(
            f"该申请当前状态为“{STATE_ZH[deferral.state]}”，不能再次审批",
            data={"deferral_no": deferral.deferral_no, "state": deferral.state.value},
        )


def grant_deferral(
    uow: UnitOfWork,
    maker: Actor,
    deferral_no: str,
    note: str | None,
    policy: DeferralPolicy,
    fine_policy: FinePolicy,
    *,
    approval_id: Any = None,
) -> dict[str, Any]:
    """Grant a pending application (the two-keys executor, in the maker's name): a deferral
    adds its period to the decision's late-fee pauses; instalments are written with their
    amounts (summing to the fine exactly) and due dates, the first on the later of the due
    date and today. The decision must still be unpaid."""
    deferral = find_deferral(uow, deferral_no, lock=True)
    _check_pending(deferral)
    decision = decision_of(uow, deferral, lock=True)
    _check_open(decision)
    today = uow.clock.today()
    now = uow.clock.now()
    if deferral.kind == DeferralKind.DEFERRAL:
        assert deferral.defer_until is not None
        start, end = deferral_pause(deferral.applied_on, decision.due_on, deferral.defer_until)
        pauses = [Pause.from_json(p) for p in decision.pauses]
        # before a review or lawsuit still open: that one stays last, to be closed later
        at = len(pauses) - 1 if pauses and pauses[-1].end is None else len(pauses)
        pauses.insert(at, Pause(start, end, deferral.deferral_no, "deferral"))
        decision.pauses = [p.to_json() for p in pauses]
    else:
        assert deferral.instalment_count is not None
        plan = instalment_plan(
            decision.fine_fen,
            deferral.instalment_count,
            max(decision.due_on, today),
            policy.instalment_interval_days,
        )
        for item in plan:
            uow.session.add(
                FineInstalment(
                    instalment_no=f"{deferral.deferral_no}-{item.seq}",
                    deferral_id=deferral.id,
                    decision_id=decision.id,
                    seq=item.seq,
                    amount_fen=item.amount_fen,
                    due_on=item.due_on,
                    state=DecisionState.UNPAID,
                )
            )
    deferral.state = DeferralState.APPROVED
    deferral.decided_at = now
    deferral.decided_by = maker.name
    deferral.note = note_text(note, required=False)
    deferral.approval_id = approval_id
    uow.session.flush()
    audit.record(
        uow,
        maker,
        "fine_deferral.granted",
        "fine_deferral",
        deferral.deferral_no,
        data={
            "decision_no": decision.decision_no,
            "kind": deferral.kind.value,
            "defer_until": deferral.defer_until.isoformat() if deferral.defer_until else None,
            "instalment_count": deferral.instalment_count,
        },
    )
    return deferral_view(uow, deferral, today, policy, fine_policy)


def refuse_deferral(
    uow: UnitOfWork,
    actor: Actor,
    deferral_no: str,
    note: str,
    policy: DeferralPolicy,
    fine_policy: FinePolicy,
) -> dict[str, Any]:
    """Refuse a pending application, saying why (one key: the fine stands as decided)."""
    text = note_text(note, required=True)
    deferral = find_deferral(uow, deferral_no, lock=True)
    _check_pending(deferral)
    deferral.state = DeferralState.REFUSED
    deferral.decided_at = uow.clock.now()
    deferral.decided_by = actor.name
    deferral.note = text
    audit.record(
        uow,
        actor,
        "fine_deferral.refused",
        "fine_deferral",
        deferral.deferral_no,
        reason=text,
        data={"kind": deferral.kind.value},
    )
    return deferral_view(uow, deferral, uow.clock.today(), policy, fine_policy)


def instalments_of(
    uow: UnitOfWork, deferral: FineDeferral, *, lock: bool = False
) -> list[FineInstalment]:
    query = (
        select(FineInstalment)
        .where(FineInstalment.deferral_id == deferral.id)
        .order_by(FineInstalment.seq)
    )
    return list(uow.session.execute(query.with_for_update() if lock else query).scalars())


def _dues(
    decision: PenaltyDecision,
    instalments: list[FineInstalment],
    on: date,
    policy: DeferralPolicy,
    fine_policy: FinePolicy,
) -> list[Any]:
    return instalment_dues(
        [InstalmentState(i.amount_fen, i.due_on, i.paid_on) for i in instalments],
        on,
        paused=pauses_of(decision),
        policy=policy,
        fine_policy=fine_policy,
    )


def deferral_view(
    uow: UnitOfWork,
    deferral: FineDeferral,
    on: date,
    policy: DeferralPolicy,
    fine_policy: FinePolicy,
) -> dict[str, Any]:
    """The application as the citizen and the supervisor read it: terms, state, and for a
    plan each instalment with what it costs on ``on`` (its late fee once missed)."""
    decision = decision_of(uow, deferral)
    instalments = instalments_of(uow, deferral)
    dues = _dues(decision, instalments, on, policy, fine_policy)
    rows = []
    for item, due in zip(instalments, dues, strict=True):
        paid = item.state == DecisionState.PAID
        late = 0 if paid else due.late_fee_fen
        rows.append(
            {
                "instalment_no": item.instalment_no,
                "seq": item.seq,
                "amount_fen": item.amount_fen,
                "amount_display": format_yuan(item.amount_fen),
                "due_on": item.due_on.isoformat(),
                "falls_due_on": item.due_on.isoformat() if paid else due.due_on.isoformat(),
                "state": item.state.value,
                "paid_on": item.paid_on.isoformat() if item.paid_on else None,
                "late_fee_fen": item.late_fee_paid_fen if paid else late,
                "days_late": 0 if paid else due.days_late,
                "total_fen": item.amount_fen + (item.late_fee_paid_fen if paid else late),
            }
        )
    return {
        "deferral_no": deferral.deferral_no,
        "decision_no": decision.decision_no,
        "kind": deferral.kind.value,
        "kind_text": KIND_ZH[deferral.kind],
        "state": deferral.state.value,
        "state_text": STATE_ZH[deferral.state],
        "fine_fen": decision.fine_fen,
        "due_on": decision.due_on.isoformat(),
        "defer_until": deferral.defer_until.isoformat() if deferral.defer_until else None,
        "instalment_count": deferral.instalment_count,
        "applied_on": deferral.applied_on.isoformat(),
        "decided_by": deferral.decided_by,
        "note": deferral.note,
        "instalments": rows,
        "reasons": [r.to_dict() for r in deferral_reasons(deferral, policy)],
        "legal_basis": [DEFERRAL_BASIS, NOT_DUE_BASIS],
    }


def deferral_reasons(deferral: FineDeferral, policy: DeferralPolicy) -> list[Reason]:
    """Why the application stands as it does, for the citizen (zh-CN, with legal basis)."""
    if deferral.state == DeferralState.PENDING:
        return [
            Reason(
                "fines.deferral_pending",
                "已受理您的申请，经公安机关交通管理部门批准后方可暂缓或分期缴纳；"
                "未获批准的，仍须在原缴款期限内缴纳，逾期将加处罚款",
                (DEFERRAL_BASIS,),
            )
        ]
    if deferral.state == DeferralState.REFUSED:
        return [
            Reason(
                "fines.deferral_refused",
                f"申请未获批准：{deferral.note or ''}",
                (DEFERRAL_BASIS,),
            )
        ]
    if deferral.kind == DeferralKind.DEFERRAL:
        assert deferral.defer_until is not None
        return [
            Reason(
                "fines.deferral_granted",
                f"经批准暂缓缴纳，请于{deferral.defer_until.isoformat()}前缴纳罚款；"
                "暂缓期间不加处罚款，期满未缴纳的，次日起加处罚款",
                (DEFERRAL_BASIS, NOT_DUE_BASIS),
            )
        ]
    reasons = [
        Reason(
            "fines.instalments_granted",
            "经批准分期缴纳，请按各期缴款期限缴纳；按期缴纳的不加处罚款，"
            "逾期未缴纳的该期自期限届满次日起每日按该期数额的3%加处罚款",
            (DEFERRAL_BASIS, NOT_DUE_BASIS),
        )
    ]
    if policy.missed_instalment_makes_rest_due:
        reasons.append(
            Reason(
                "fines.missed_instalment_makes_rest_due",
                "任何一期逾期未缴纳的，其余各期视为同时到期",
                (MISSED_INSTALMENT_BASIS,),
            )
        )
    return reasons


def create_instalment_payment(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    instalment_nos: list[str],
    policy: DeferralPolicy,
    fine_policy: FinePolicy,
) -> Payment:
    """The payment order for these instalments of the citizen's approved plans, each with
    its late fee as of today. Refused: an instalment not theirs, paid already, or in a
    payment still pending (never paid twice)."""
    today = uow.clock.today()
    rows = uow.session.execute(
        select(FineInstalment, FineDeferral)
        .join(FineDeferral, FineDeferral.id == FineInstalment.deferral_id)
        .where(
            FineInstalment.instalment_no.in_(instalment_nos),
            FineDeferral.citizen_id == citizen.id,
        )
        .with_for_update(of=FineInstalment)
    ).all()
    missing = sorted(set(instalment_nos) - {i.instalment_no for i, _ in rows})
    if missing:
        raise InstalmentNotFound("未查询到您名下的该期款项", data={"instalment_nos": missing})
    paid = sorted(i.instalment_no for i, _ in rows if i.state == DecisionState.PAID)
    if paid:
        raise InstalmentPaid("该期款项已缴纳，无需重复缴纳", data={"instalment_nos": paid})
    pending = pending_payment_no(uow, PaymentItem.instalment_id.in_([i.id for i, _ in rows]))
    if pending is not None:
        raise PaymentPending(
            "该期款项有一笔缴款正在确认中，请稍候查询结果", data={"payment_no": pending}
        )

    def lines() -> Iterable[PaymentLine]:
        for deferral in {d.id: d for _, d in rows}.values():
            decision = decision_of(uow, deferral)
            plan = instalments_of(uow, deferral)
            dues = _dues(decision, plan, today, policy, fine_policy)
            for item, due in zip(plan, dues, strict=True):
                if item.instalment_no in instalment_nos:
                    yield PaymentLine(
                        decision.id, item.amount_fen, due.late_fee_fen, due.days_late, item.id
                    )

    return open_payment(uow, actor, citizen, lines(), {"instalments": instalment_nos})
