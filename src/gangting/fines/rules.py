"""Fine rules: payment deadline, late fee (加处罚款), the amount due, and what a late-fee
pause (行政复议/诉讼期间) must hold."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from gangting.fines.errors import (
    CaseNumberInvalid,
    PauseBeforeDecision,
    PauseDatesInvalid,
    PauseNotStarted,
    PauseTooLong,
)
from gangting.kernel.calendar import EMPTY_CALENDAR, HolidayCalendar
from gangting.kernel.money import apply_rate

SIMPLE_PROCEDURE_MAX_FINE_FEN = 20_000  # 200 yuan


class DecisionState(StrEnum):
    """A penalty decision's fine: unpaid -> paid."""

    UNPAID = "unpaid"
    PAID = "paid"


class DecisionOutcome(StrEnum):
    """What the decision decides: a penalty, or no penalty (不予行政处罚, 行政处罚法 第33条)."""

    PENALTY = "penalty"
    NO_PENALTY = "no_penalty"


class PaymentState(StrEnum):
    """A payment order: pending -> succeeded | declined | failed (timed out and confirmed
    unpaid)."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    FAILED = "failed"


@dataclass(frozen=True)
class FinePolicy:
    """Settings for fines. ``roll_deadline_on_holiday`` is [U]: the texts are silent."""

    deadline_days: int = 15
    late_fee_rate: Decimal = Decimal("0.03")
    roll_deadline_on_holiday: bool = False


DEFAULT_FINE_POLICY = FinePolicy()


@dataclass(frozen=True)
class LateFee:
    """Late fee as of a payment date."""

    days_late: int
    amount_fen: int
    capped: bool


def due_on(
    received_on: date,
    policy: FinePolicy = DEFAULT_FINE_POLICY,
    calendar: HolidayCalendar = EMPTY_CALENDAR,
) -> date:
    """Last day to pay without a late fee.

    Source: 行政处罚法 第67条第3款; 道路交通安全法 第108条 — pay within 15 days of receiving
    the penalty decision. The receipt day is not counted: received 2026-03-01 → due
    2026-03-16. The days are natural days (行政处罚法 第85条 makes only 2/3/5/7-day periods
    working days). With ``policy.roll_deadline_on_holiday`` [U] a deadline falling on a
    holiday moves to the next working day of ``calendar``. For kiosk processing the
    receipt day is the processing day (处理程序规定 第56条).
    """
    return calendar.period_end(received_on, policy.deadline_days, policy.roll_deadline_on_holiday)


def _paused_days(after: date, until: date, paused: Iterable[tuple[date, date | None]]) -> int:
    """Days d with after < d <= until in any (start, end) range; end inclusive, None = open."""
    spans = sorted(
        (
            max(start.toordinal(), after.toordinal() + 1),
            min((end or until).toordinal(), until.toordinal()),
        )
        for start, end in paused
    )
    total, reach = 0, after.toordinal()
    for lo, hi in spans:
        lo = max(lo, reach + 1)
        if lo <= hi:
            total += hi - lo + 1
            reach = hi
    return total


def late_fee(
    fine_fen: int,
    due_on: date,
    paid_on: date,
    *,
    paused: Iterable[tuple[date, date | None]] = (),
    policy: FinePolicy = DEFAULT_FINE_POLICY,
) -> LateFee:
    """加处罚款 when the fine is paid on ``paid_on``.

    Sources: 行政处罚法 第72条第1款(一) and 道路交通安全法 第109条 — 3 % of the fine per day
    after the deadline; 行政处罚法 第72条 and 行政强制法 第45条第2款 — never more than the
    fine; 行政处罚法 第73条第3款 — no late fee accrues while 行政复议 or 行政诉讼 is pending.
    Counting (decision): ``days_late`` = (paid_on − due_on) natural days minus the days
    inside ``paused`` ranges (start and end inclusive, overlaps counted once; an end of
    ``None`` means still pending, i.e. paused up to ``paid_on``); paying on
    ``due_on`` is on time, the day after is 1 day late.
    Amount = ``apply_rate(fine_fen, rate × days_late)`` (rounded once, half up), then capped.
    Worked example (RULES §2): fine 200 yuan → 6 yuan a day; 33 days late = 198 yuan;
    34 days late = 200 yuan, capped.
    """
    if fine_fen < 0:
        raise ValueError("fine_fen must be >= 0")
    if paid_on <= due_on:
        return LateFee(0, 0, False)
    days = (paid_on - due_on).days - _paused_days(due_on, paid_on, paused)
    raw = apply_rate(fine_fen, policy.late_fee_rate * days)
    return LateFee(days, min(raw, fine_fen), raw > fine_fen)


def amount_due(
    fine_fen: int,
    due_on: date,
    paid_on: date,
    *,
    paused: Iterable[tuple[date, date | None]] = (),
    policy: FinePolicy = DEFAULT_FINE_POLICY,
) -> int:
    """Fine plus late fee, in fen, when paid on ``paid_on`` (see ``late_fee``)."""
    return fine_fen + late_fee(fine_fen, due_on, paid_on, paused=paused, policy=policy).amount_fen


def late_fee_notice(policy: FinePolicy = DEFAULT_FINE_POLICY) -> str:
    """The zh-CN sentence that tells the party the late-fee standard (行政强制法 第45条第1款)."""
    percent = (policy.late_fee_rate * 100).normalize()
    return (
        f"请自收到本处罚决定书之日起{policy.deadline_days}日内缴纳罚款。"
        f"逾期不缴纳的，自缴款期限届满的次日起每日按罚款数额的{percent:f}%加处罚款，"
        "加处罚款的数额不超过罚款数额。"
        "（依据：《中华人民共和国行政处罚法》第七十二条、《中华人民共和国行政强制法》第四十五条）"
    )


def simple_procedure_allowed(fine_fen: int) -> bool:
    """May the fine be decided on the spot by simple procedure (简易程序)?

    Source: 处理程序规定 第43条; 行政处罚法 第51条 — a warning or a fine of at most 200 yuan
    (20 000 fen) for a citizen. Above that, the general procedure applies.
    """
    return 0 <= fine_fen <= SIMPLE_PROCEDURE_MAX_FINE_FEN


# A review or court case number (案号): a year in brackets and a number ending in 号, e.g.
# （2026）内0203行初45号 (a court's, 最高人民法院《关于人民法院案件案号的若干意见》) or
# 包府行复〔2026〕12号 / 内公复决字〔2026〕第3号 (a review body's). Letters, digits and CJK
# characters around it; at most 64 characters.
CASE_NO_MAX_LENGTH = 64
CASE_NO = re.compile(
    r"[\u4e00-\u9fffA-Za-z0-9]*[（(〔\[][12]\d{3}[）)〕\]][\u4e00-\u9fffA-Za-z0-9-]*\d+号"
)
CASE_NO_EXAMPLES = "（2026）内0203行初45号、包府行复〔2026〕12号"


def case_number(text: str) -> str:
    """The case number, trimmed; ``CaseNumberInvalid`` when blank or not shaped like one."""
    value = text.strip()
    if not value:
        raise CaseNumberInvalid("请填写行政复议或行政诉讼案号", data={"reason": "blank"})
    if len(value) > CASE_NO_MAX_LENGTH or CASE_NO.fullmatch(value) is None:
        raise CaseNumberInvalid(
            f"案号格式不正确，应为行政复议或法院案号，如{CASE_NO_EXAMPLES}",
            data={"reason": "format"},
        )
    return value


@dataclass(frozen=True)
class Pause:
    """One review (行政复议) or litigation (行政诉讼) period of a decision: no late fee accrues
    from ``start`` to ``end`` inclusive (``end`` None: still pending). Stored in the decision's
    ``pauses`` JSON as ``[start, end, case_no, kind]``; periods registered before case numbers
    were kept are ``[start, end]`` (``case_no`` and ``kind`` None)."""

    start: date
    end: date | None
    case_no: str | None = None
    kind: str | None = None

    @classmethod
    def from_json(cls, item: list[Any]) -> Pause:
        start, end, *rest = item
        return cls(
            date.fromisoformat(start),
            date.fromisoformat(end) if end else None,
            rest[0] if len(rest) > 0 else None,
            rest[1] if len(rest) > 1 else None,
        )

    def to_json(self) -> list[Any]:
        return [
            self.start.isoformat(),
            self.end.isoformat() if self.end else None,
            self.case_no,
            self.kind,
        ]


def check_pause_dates(
    start: date, end: date | None, *, decided_on: date, today: date, max_days: int
) -> None:
    """A pause starts on or after the decision day and no later than today (it is registered
    once the review or lawsuit has begun), ends on or after its start and no later than
    ``max_days`` from today (a longer one is extended by a later registration); each breach
    is its named ``Invalid`` (422)."""
    if start < decided_on:
        raise PauseBeforeDecision(
            f"复议或诉讼期间不能早于处罚决定作出之日（{decided_on.isoformat()}）",
            data={"start": start.isoformat(), "decided_on": decided_on.isoformat()},
        )
    if start > today:
        raise PauseNotStarted(
            "复议或诉讼期间须在开始后登记，开始日期不能晚于今天",
            data={"start": start.isoformat(), "today": today.isoformat()},
        )
    if end is not None:
        check_pause_end(start, end, today=today, max_days=max_days)


def check_pause_end(start: date, end: date, *, today: date, max_days: int) -> None:
    """A pause's end (also when it closes one opened earlier): on or after its start, no
    later than ``max_days`` from today."""
    if end < start:
        raise PauseDatesInvalid(
            "结束日期早于开始日期", data={"start": start.isoformat(), "end": end.isoformat()}
        )
    latest = today + timedelta(days=max_days)
    if end > latest:
        raise PauseTooLong(
            f"结束日期最晚为{latest.isoformat()}（今天起{max_days}天内）；期间延长的，届时再行登记",
            data={"end": end.isoformat(), "latest": latest.isoformat(), "max_days": max_days},
        )
