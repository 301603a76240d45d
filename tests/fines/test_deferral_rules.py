"""暂缓或者分期缴纳罚款 (行政处罚法 第66条第2款), the pure rules: the terms' bounds, the split
into instalments in integer fen, the deferral's late-fee pause, and the late fee of missed
instalments (行政强制法 第45条; a missed one makes the rest due, [U] setting)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gangting.fines.deferral_rules import (
    DeferralPolicy,
    InstalmentState,
    check_deferral_until,
    check_instalment_count,
    deferral_pause,
    first_missed,
    hardship_reason,
    instalment_dues,
    instalment_plan,
)
from gangting.fines.errors import (
    DeferralReasonRequired,
    DeferralUntilInvalid,
    InstalmentCountInvalid,
)
from gangting.fines.rules import late_fee

DUE = date(2026, 12, 1)
POLICY = DeferralPolicy(max_deferral_days=90, max_instalments=6, instalment_interval_days=30)


@pytest.mark.parametrize(
    ("fine_fen", "count", "amounts"),
    [
        (20_000, 3, [6_667, 6_667, 6_666]),
        (20_000, 2, [10_000, 10_000]),
        (20_000, 6, [3_334, 3_334, 3_333, 3_333, 3_333, 3_333]),
        (5, 3, [2, 2, 1]),
        (200_000, 4, [50_000] * 4),
    ],
)
def test_instalments_sum_to_the_fine_exactly(fine_fen: int, count: int, amounts: list[int]) -> None:
    plan = instalment_plan(fine_fen, count, DUE, 30)
    assert [i.amount_fen for i in plan] == amounts
    assert sum(i.amount_fen for i in plan) == fine_fen
    assert [i.seq for i in plan] == list(range(1, count + 1))
    assert [i.due_on for i in plan] == [DUE + timedelta(days=30 * k) for k in range(count)]


@pytest.mark.parametrize(("fine_fen", "count"), [(1, 2), (0, 2), (100, 0)])
def test_no_instalment_is_empty(fine_fen: int, count: int) -> None:
    with pytest.raises(ValueError):
        instalment_plan(fine_fen, count, DUE, 30)


@pytest.mark.parametrize(
    ("until", "today", "ok"),
    [
        (DUE + timedelta(days=1), date(2026, 11, 26), True),
        (DUE + timedelta(days=90), date(2026, 11, 26), True),
        (DUE + timedelta(days=91), date(2026, 11, 26), False),  # past the setting
        (DUE, date(2026, 11, 26), False),  # defers nothing
        (None, date(2026, 11, 26), False),
    ],
)
def test_a_deferral_runs_past_the_due_date_and_within_the_setting(
    until: date | None, today: date, ok: bool
) -> None:
    if ok:
        assert check_deferral_until(until, due_on=DUE, today=today, policy=POLICY) == until
    else:
        with pytest.raises(DeferralUntilInvalid) as refused:
            check_deferral_until(until, due_on=DUE, today=today, policy=POLICY)
        assert refused.value.http_status == 422
        assert refused.value.data["latest"] == (DUE + timedelta(days=90)).isoformat()


@pytest.mark.parametrize(
    ("count", "ok"), [(2, True), (6, True), (1, False), (7, False), (None, False)]
)
def test_the_instalment_count_is_bounded(count: int | None, ok: bool) -> None:
    if ok:
        assert check_instalment_count(count, POLICY) == count
    else:
        with pytest.raises(InstalmentCountInvalid):
            check_instalment_count(count, POLICY)


@pytest.mark.parametrize("text", ["", "   ", "没钱", "x" * 501])
def test_the_hardship_must_be_said(text: str) -> None:
    with pytest.raises(DeferralReasonRequired):
        hardship_reason(text)


def test_the_hardship_is_kept_trimmed() -> None:
    assert hardship_reason("  本人失业，暂无收入  ") == "本人失业，暂无收入"


@pytest.mark.parametrize(
    ("applied_on", "start"),
    [
        (date(2026, 11, 20), DUE + timedelta(days=1)),  # applied in time: from the day after
        (DUE, DUE + timedelta(days=1)),
    ],
)
def test_a_deferral_pauses_the_late_fee_from_the_day_after_the_due_date(
    applied_on: date, start: date
) -> None:
    until = date(2027, 1, 15)
    assert deferral_pause(applied_on, DUE, until) == (start, until)
    # paying on the deferred date costs no late fee; a day later costs one day
    assert late_fee(20_000, DUE, until, paused=[(start, until)]).amount_fen == 0
    one_day = late_fee(20_000, DUE, until + timedelta(days=1), paused=[(start, until)])
    assert (one_day.days_late, one_day.amount_fen) == (1, 600)


PLAN = [
    InstalmentState(6_667, date(2026, 12, 1)),
    InstalmentState(6_667, date(2026, 12, 31)),
    InstalmentState(6_666, date(2027, 1, 30)),
]


@pytest.mark.parametrize(
    ("on", "accelerate", "fees", "accelerated"),
    [
        # all on time: nothing
        (date(2026, 12, 1), True, [0, 0, 0], [False, False, False]),
        # first missed by 10 days: its fee, and the rest due from its date (3 % × 10 days)
        (date(2026, 12, 11), True, [2_000, 2_000, 2_000], [False, True, True]),
        # without acceleration only the missed one costs
        (date(2026, 12, 11), False, [2_000, 0, 0], [False, False, False]),
        # capped at each instalment's amount (第72条; 行政强制法 第45条第2款)
        (date(2027, 6, 1), True, [6_667, 6_667, 6_666], [False, True, True]),
    ],
)
def test_the_late_fee_of_instalments(
    on: date, accelerate: bool, fees: list[int], accelerated: list[bool]
) -> None:
    policy = DeferralPolicy(missed_instalment_makes_rest_due=accelerate)
    dues = instalment_dues(PLAN, on, policy=policy)
    assert [d.late_fee_fen for d in dues] == fees
    assert [d.accelerated for d in dues] == accelerated
    assert sum(d.late_fee_fen for d in dues) <= sum(i.amount_fen for i in PLAN)


def test_an_instalment_paid_on_time_is_never_missed() -> None:
    paid_first = [InstalmentState(6_667, date(2026, 12, 1), date(2026, 12, 1)), *PLAN[1:]]
    assert first_missed(paid_first, date(2026, 12, 20)) is None
    dues = instalment_dues(paid_first, date(2026, 12, 20))
    assert [d.late_fee_fen for d in dues[1:]] == [0, 0]
    late_first = [InstalmentState(6_667, date(2026, 12, 1), date(2026, 12, 3)), *PLAN[1:]]
    assert first_missed(late_first, date(2026, 12, 20)) == date(2026, 12, 1)


def test_a_review_pause_also_pauses_the_instalments() -> None:
    dues = instalment_dues(
        PLAN, date(2026, 12, 11), paused=[(date(2026, 12, 2), date(2026, 12, 11))]
    )
    assert [d.late_fee_fen for d in dues] == [0, 0, 0]
