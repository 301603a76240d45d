from datetime import date
from decimal import Decimal

import pytest

from gangting.fines.rules import (
    FinePolicy,
    LateFee,
    amount_due,
    due_on,
    late_fee,
    late_fee_notice,
    simple_procedure_allowed,
)
from gangting.kernel.calendar import HolidayCalendar

FINE_200_YUAN = 20_000
DUE = date(2026, 3, 16)


def test_due_on_is_fifteen_natural_days_after_receipt() -> None:
    # 行政处罚法 第67条第3款; 道交法 第108条
    assert due_on(date(2026, 3, 1)) == DUE


def test_due_on_is_not_moved_by_a_holiday_by_default() -> None:
    cal = HolidayCalendar(holidays=frozenset({date(2025, 10, 1)}))
    assert due_on(date(2025, 9, 16), calendar=cal) == date(2025, 10, 1)


def test_due_on_can_roll_to_the_next_working_day() -> None:
    cal = HolidayCalendar(holidays=frozenset(date(2025, 10, d) for d in range(1, 9)))
    policy = FinePolicy(roll_deadline_on_holiday=True)
    assert due_on(date(2025, 9, 16), policy, cal) == date(2025, 10, 9)


@pytest.mark.parametrize(
    ("paid_on", "expected"),
    [
        (date(2026, 3, 1), LateFee(0, 0, False)),
        (DUE, LateFee(0, 0, False)),  # paying on the last day is on time
        (date(2026, 3, 17), LateFee(1, 600, False)),  # 3 % of 200 yuan = 6 yuan a day
        (date(2026, 4, 18), LateFee(33, 19_800, False)),  # RULES §2: 33 days = 198 yuan
        (date(2026, 4, 19), LateFee(34, 20_000, True)),  # 34 days = 200 yuan, capped
        (date(2027, 1, 1), LateFee(291, 20_000, True)),
    ],
)
def test_late_fee_worked_example_fine_200_yuan(paid_on: date, expected: LateFee) -> None:
    assert late_fee(FINE_200_YUAN, DUE, paid_on) == expected


def test_late_fee_is_capped_at_the_fine() -> None:
    fee = late_fee(5_000, DUE, date(2030, 1, 1))
    assert fee.amount_fen == 5_000
    assert fee.capped


def test_late_fee_rounds_half_up_to_the_fen() -> None:
    # 50 fen * 3 % = 1.5 fen -> 2 fen
    assert late_fee(50, DUE, date(2026, 3, 17)).amount_fen == 2


def test_late_fee_at_exactly_the_fine_is_not_reported_as_capped() -> None:
    policy = FinePolicy(late_fee_rate=Decimal("0.05"))
    fee = late_fee(10_000, DUE, date(2026, 4, 5), policy=policy)  # 20 days * 5 % = 100 %
    assert (fee.days_late, fee.amount_fen, fee.capped) == (20, 10_000, False)


def test_days_under_review_or_litigation_do_not_count() -> None:
    # 行政处罚法 第73条第3款: no late fee accrues while 复议/诉讼 is pending
    pause = (date(2026, 3, 20), date(2026, 3, 29))  # 10 days
    fee = late_fee(FINE_200_YUAN, DUE, date(2026, 4, 5), paused=[pause])
    assert fee.days_late == 20 - 10


def test_overlapping_pauses_are_counted_once_and_clipped_to_the_late_period() -> None:
    pauses = [
        (date(2026, 3, 1), date(2026, 3, 18)),  # only 17–18 March are late days
        (date(2026, 3, 18), date(2026, 3, 20)),  # overlaps on 18 March
        (date(2026, 4, 1), date(2026, 5, 1)),  # beyond payment: clipped at 5 April
    ]
    fee = late_fee(FINE_200_YUAN, DUE, date(2026, 4, 5), paused=pauses)
    assert fee.days_late == 20 - 4 - 5


def test_a_pending_review_pauses_up_to_the_payment_day() -> None:
    fee = late_fee(FINE_200_YUAN, DUE, date(2026, 4, 5), paused=[(date(2026, 3, 21), None)])
    assert fee.days_late == 4


def test_amount_due_adds_the_late_fee() -> None:
    assert amount_due(FINE_200_YUAN, DUE, date(2026, 4, 18)) == 39_800
    assert amount_due(FINE_200_YUAN, DUE, DUE) == FINE_200_YUAN


def test_negative_fine_is_an_error() -> None:
    with pytest.raises(ValueError):
        late_fee(-1, DUE, DUE)


def test_late_fee_notice_states_the_standard() -> None:
    text = late_fee_notice()
    assert "15日内" in text
    assert "每日按罚款数额的3%加处罚款" in text
    assert "不超过罚款数额" in text
    assert "行政强制法" in text


@pytest.mark.parametrize(("fine_fen", "simple"), [(0, True), (20_000, True), (20_001, False)])
def test_simple_procedure_is_for_fines_up_to_200_yuan(fine_fen: int, simple: bool) -> None:
    assert simple_procedure_allowed(fine_fen) is simple
