from datetime import date

import pytest

from gangting.kernel.calendar import (
    EMPTY_CALENDAR,
    HolidayCalendar,
    add_days,
    add_months,
    add_years,
    anniversary,
    month_end,
)

# 2025 National Day holiday: 1–8 Oct off, Sun 28 Sep and Sat 11 Oct worked (调休).
NATIONAL_DAY_2025 = HolidayCalendar(
    holidays=frozenset(date(2025, 10, d) for d in range(1, 9)),
    extra_workdays=frozenset({date(2025, 9, 28), date(2025, 10, 11)}),
)


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        (date(2026, 3, 1), 15, date(2026, 3, 16)),
        (date(2024, 2, 28), 1, date(2024, 2, 29)),
        (date(2023, 2, 28), 1, date(2023, 3, 1)),
        (date(2026, 1, 1), -1, date(2025, 12, 31)),
        (date(2026, 1, 1), 0, date(2026, 1, 1)),
    ],
)
def test_add_days_counts_natural_days(d: date, n: int, expected: date) -> None:
    assert add_days(d, n) == expected


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2025, 10, 3), False),  # holiday on a Friday
        (date(2025, 9, 28), True),  # 调休 Sunday
        (date(2025, 10, 11), True),  # 调休 Saturday
        (date(2025, 10, 12), False),  # ordinary Sunday
        (date(2025, 10, 9), True),  # ordinary Thursday
    ],
)
def test_working_day_follows_holidays_and_extra_workdays(d: date, expected: bool) -> None:
    assert NATIONAL_DAY_2025.is_working_day(d) is expected


def test_default_calendar_knows_only_weekends() -> None:
    assert EMPTY_CALENDAR.is_working_day(date(2025, 10, 1))
    assert not EMPTY_CALENDAR.is_working_day(date(2025, 10, 4))


def test_roll_to_working_day_keeps_a_working_day() -> None:
    assert NATIONAL_DAY_2025.roll_to_working_day(date(2025, 10, 9)) == date(2025, 10, 9)


def test_roll_to_working_day_skips_the_whole_holiday() -> None:
    assert NATIONAL_DAY_2025.roll_to_working_day(date(2025, 10, 1)) == date(2025, 10, 9)


@pytest.mark.parametrize(
    ("start", "days", "roll", "expected"),
    [
        # 记分办法 第36条: natural days; a last day on a holiday moves to the next working day
        (date(2025, 9, 21), 10, True, date(2025, 10, 9)),
        (date(2025, 9, 21), 10, False, date(2025, 10, 1)),
        (date(2025, 9, 18), 10, True, date(2025, 9, 28)),  # 调休 Sunday is a working day
        (date(2026, 3, 2), 3, True, date(2026, 3, 5)),
        (date(2026, 3, 4), 3, True, date(2026, 3, 9)),  # Saturday -> Monday
    ],
)
def test_period_end_rolls_a_holiday_last_day(
    start: date, days: int, roll: bool, expected: date
) -> None:
    assert NATIONAL_DAY_2025.period_end(start, days, roll) == expected


def test_period_end_refuses_negative_days() -> None:
    with pytest.raises(ValueError):
        EMPTY_CALENDAR.period_end(date(2026, 1, 1), -1, True)


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 5, 31), -3, date(2026, 2, 28)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
    ],
)
def test_add_months_uses_the_month_end_when_the_day_is_missing(
    d: date, n: int, expected: date
) -> None:
    assert add_months(d, n) == expected


def test_add_years_moves_feb_29_to_feb_28() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_anniversary_of_feb_29_starts_on_march_1_in_common_years() -> None:
    assert anniversary(date(2024, 2, 29), 1) == date(2025, 3, 1)
    assert anniversary(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert anniversary(date(2024, 3, 15), 2) == date(2026, 3, 15)


def test_month_end_knows_leap_february() -> None:
    assert month_end(2024, 2) == date(2024, 2, 29)
    assert month_end(2026, 2) == date(2026, 2, 28)
    assert month_end(2026, 12) == date(2026, 12, 31)
