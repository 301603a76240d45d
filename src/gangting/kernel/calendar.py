"""Day counting for legal periods: natural days, working days and holiday roll-over.

Holidays are data (the State Council publishes them yearly), so the calendar is a value
built from configuration; the default calendar knows no holidays.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

_SATURDAY = 5


def add_days(d: date, n: int) -> date:
    """``d`` plus ``n`` natural days (n may be negative or zero)."""
    return d + timedelta(days=n)


def month_end(year: int, month: int) -> date:
    """The last day of a calendar month (28, 29, 30 or 31)."""
    return date(year, month, _stdlib_calendar.monthrange(year, month)[1])


def add_months(d: date, n: int) -> date:
    """The same day ``n`` months later (or earlier when negative).

    When the target month has no such day the month's last day is used (31 Jan + 1 month
    = 28/29 Feb), as 民法典 第202条 does for periods counted in months or years.
    """
    index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(index, 12)
    last = month_end(year, month0 + 1).day
    return date(year, month0 + 1, min(d.day, last))


def add_years(d: date, n: int) -> date:
    """The same day ``n`` years later; 29 Feb goes to 28 Feb in a common year."""
    return add_months(d, 12 * n)


def anniversary(d: date, n: int) -> date:
    """The ``n``-th anniversary of ``d`` as a start day; 29 Feb starts on 1 March in a common year.

    Used for periods that run "12 months from" a date and start again the next day
    (scoring cycles, learner periods): the period then always ends on the last day of
    February, so no day is lost or counted twice.
    """
    if d.month == 2 and d.day == 29 and not _stdlib_calendar.isleap(d.year + n):
        return date(d.year + n, 3, 1)
    return date(d.year + n, d.month, d.day)


@dataclass(frozen=True)
class HolidayCalendar:
    """Public holidays and the Saturdays/Sundays made working days (调休).

    ``holidays``: dates that are not working days even if Mon–Fri.
    ``extra_workdays``: weekend dates that are working days (调休上班).
    A date in both sets is treated as a working day (the explicit 调休 wins).
    """

    holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, d: date) -> bool:
        """Mon–Fri that is not a holiday, or any date listed in ``extra_workdays``."""
        if d in self.extra_workdays:
            return True
        return d.weekday() < _SATURDAY and d not in self.holidays

    def roll_to_working_day(self, d: date) -> date:
        """``d`` itself if it is a working day, else the next working day after it."""
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def period_end(self, start: date, days: int, roll_holiday: bool) -> date:
        """Last day of a period of ``days`` natural days counted from ``start``.

        Rule: 记分办法(公安部令第163号) 第36条 — "三日/十日/三十日" are natural days; when
        the last day falls on a holiday (法定节假日, including weekends that are not
        调休 working days) the period ends on the next working day.
        Counting: the day of the event is not counted (as in 民法典 第201条), so a 15-day
        period starting on 3 March ends on 18 March. With ``roll_holiday=False`` the
        natural last day is returned unchanged.
        """
        if days < 0:
            raise ValueError("days must be >= 0")
        end = add_days(start, days)
        return self.roll_to_working_day(end) if roll_holiday else end


EMPTY_CALENDAR = HolidayCalendar()
