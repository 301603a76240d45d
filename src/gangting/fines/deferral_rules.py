"""Deferral or instalments of a fine (暂缓或者分期缴纳罚款), pure.

行政处罚法 第66条第2款: "当事人确有经济困难，需要延期或者分期缴纳罚款的，经当事人申请和行政机关
批准，可以暂缓或者分期缴纳。" The law names the act (the party applies with its hardship, the
authority approves) but sets no numbers: the longest deferral, the most instalments, their
spacing and what a missed instalment does are [U] settings (``DeferralPolicy``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from gangting.fines.errors import (
    DeferralReasonRequired,
    DeferralUntilInvalid,
    InstalmentCountInvalid,
)
from gangting.fines.rules import DEFAULT_FINE_POLICY, FinePolicy, late_fee
from gangting.kernel import law

DEFERRAL_BASIS = law.cite(law.PENALTY_LAW, "第66条第2款")
# The late fee is charged only for failing to pay when due (逾期不履行, 行政强制法 第45条); under
# an approved deferral or instalment plan the fine is not yet due.
NOT_DUE_BASIS = law.cite(law.COERCION_LAW, "第45条")
# A missed instalment makes the rest due: the law is silent; by analogy with an enforcement
# agreement in stages that is not kept (行政强制法 第42条第2款: 恢复强制执行). A setting.
MISSED_INSTALMENT_BASIS = law.cite(law.COERCION_LAW, "第42条第2款")
REASON_MIN_CHARS = 4
REASON_MAX_CHARS = 500


class DeferralKind(StrEnum):
    DEFERRAL = "deferral"  # 暂缓（延期）缴纳
    INSTALMENTS = "instalments"  # 分期缴纳


class DeferralState(StrEnum):
    """A citizen's application: pending -> approved | refused."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


KIND_ZH = {DeferralKind.DEFERRAL: "暂缓缴纳罚款", DeferralKind.INSTALMENTS: "分期缴纳罚款"}
STATE_ZH = {
    DeferralState.PENDING: "待审批",
    DeferralState.APPROVED: "已批准",
    DeferralState.REFUSED: "不予批准",
}


@dataclass(frozen=True)
class DeferralPolicy:
    """[U] settings: the law sets none of these numbers."""

    max_deferral_days: int = 90
    max_instalments: int = 6
    instalment_interval_days: int = 30
    missed_instalment_makes_rest_due: bool = True


DEFAULT_DEFERRAL_POLICY = DeferralPolicy()


def hardship_reason(text: str) -> str:
    """The applicant's hardship (确有经济困难), trimmed: 4 to 500 characters
    (``fines.deferral_reason_required``, 422)."""
    value = text.strip()
    if not REASON_MIN_CHARS <= len(value) <= REASON_MAX_CHARS:
        raise DeferralReasonRequired(
            f"请说明经济困难的情况（{REASON_MIN_CHARS}至{REASON_MAX_CHARS}字）",
            data={"min": REASON_MIN_CHARS, "max": REASON_MAX_CHARS},
        )
    return value


def check_deferral_until(
    until: date | None, *, due_on: date, today: date, policy: DeferralPolicy
) -> date:
    """The date a deferral runs to: after the fine's due date and after today (else nothing
    is deferred), and at most ``policy.max_deferral_days`` after the later of the two
    (``fines.deferral_until_invalid``, 422)."""
    start = max(due_on, today)
    latest = start + timedelta(days=policy.max_deferral_days)
    if until is None or not start < until <= latest:
        raise DeferralUntilInvalid(
            f"暂缓缴纳的截止日期须晚于{start.isoformat()}，最晚为{latest.isoformat()}"
            f"（{policy.max_deferral_days}天内）",
            data={
                "earliest": (start + timedelta(days=1)).isoformat(),
                "latest": latest.isoformat(),
                "max_days": policy.max_deferral_days,
            },
        )
    return until


def check_instalment_count(count: int | None, policy: DeferralPolicy) -> int:
    """2 to ``policy.max_instalments`` instalments (``fines.instalment_count_invalid``, 422)."""
    if count is None or not 2 <= count <= policy.max_instalments:
        raise InstalmentCountInvalid(
            f"分期期数须为2至{policy.max_instalments}期",
            data={"min": 2, "max": policy.max_instalments},
        )
    return count


@dataclass(frozen=True)
class PlannedInstalment:
    seq: int
    amount_fen: int
    due_on: date


def instalment_plan(
    fine_fen: int, count: int, first_due_on: date, interval_days: int
) -> list[PlannedInstalment]:
    """Split ``fine_fen`` into ``count`` instalments whose amounts sum to it exactly.

    Integer fen: each instalment is ``fine_fen // count``; the remainder ``fine_fen % count``
    adds one fen to each of the first instalments (20 000 in 3 -> 6 667, 6 667, 6 666).
    Instalment ``i`` (from 1) is due ``(i - 1) × interval_days`` after ``first_due_on``.
    """
    if count < 1 or fine_fen < count or interval_days < 1:
        raise ValueError("count >= 1, fine_fen >= count (no empty instalment), interval >= 1")
    base, extra = divmod(fine_fen, count)
    return [
        PlannedInstalment(
            i + 1, base + (1 if i < extra else 0), first_due_on + timedelta(days=i * interval_days)
        )
        for i in range(count)
    ]


def deferral_pause(applied_on: date, due_on: date, until: date) -> tuple[date, date]:
    """The days on which an approved deferral keeps the late fee from accruing: from the
    later of the day after the due date and the day of the application (an applicant is
    not charged for the time the authority takes to decide) to ``until``, both inclusive.
    Late fee accrued before the application stays owed."""
    return max(due_on + timedelta(days=1), applied_on), until


@dataclass(frozen=True)
class InstalmentState:
    """One instalment as the late-fee rule needs it: its amount, due date and payment."""

    amount_fen: int
    due_on: date
    paid_on: date | None = None


@dataclass(frozen=True)
class InstalmentDue:
    """What one instalment costs on a date: its late fee and the date it fell due."""

    due_on: date
    days_late: int
    late_fee_fen: int
    capped: bool
    accelerated: bool


def first_missed(instalments: Sequence[InstalmentState], on: date) -> date | None:
    """The due date of the first instalment not paid by its due date, as of ``on``."""
    for item in sorted(instalments, key=lambda i: i.due_on):
        settled = item.paid_on if item.paid_on is not None else on
        if settled > item.due_on:
            return item.due_on
    return None


def instalment_dues(
    instalments: Sequence[InstalmentState],
    on: date,
    *,
    paused: Iterable[tuple[date, date | None]] = (),
    policy: DeferralPolicy = DEFAULT_DEFERRAL_POLICY,
    fine_policy: FinePolicy = DEFAULT_FINE_POLICY,
) -> list[InstalmentDue]:
    """The late fee of each instalment when paid on ``on`` (same order as ``instalments``).

    Source: 行政处罚法 第66条第2款 (approved instalments: each part is due on its own date);
    行政处罚法 第72条第1款(一) and 行政强制法 第45条 (3 % a day of the amount not paid when due,
    never more than that amount); 行政处罚法 第73条第3款 (``paused``: review or litigation).
    A missed instalment: the law is silent; with ``policy.missed_instalment_makes_rest_due``
    [U] every later instalment falls due on the missed one's due date (so its late fee runs
    from then), by analogy with 行政强制法 第42条第2款; otherwise each keeps its own date.
    Example: 3 × 6 667/6 667/6 666 fen due 12-01, 12-31, 2027-01-30; nothing paid on
    12-11: the first is 10 days late (2 000 fen), and with acceleration so are the others
    (2 000 + 1 999.8 -> 2 000 fen).
    """
    items = list(instalments)
    missed = first_missed(items, on) if policy.missed_instalment_makes_rest_due else None
    paused = list(paused)
    out: list[InstalmentDue] = []
    for item in items:
        due = item.due_on
        accelerated = missed is not None and missed < due
        if accelerated:
            assert missed is not None
            due = missed
        fee = late_fee(item.amount_fen, due, on, paused=paused, policy=fine_policy)
        out.append(InstalmentDue(due, fee.days_late, fee.amount_fen, fee.capped, accelerated))
    return out
