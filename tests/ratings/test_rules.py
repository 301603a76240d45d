"""The remedy's deadlines (the "1-5-15" rule in working days, with holidays and 调休), its
steps in order, overdue steps, the rating link's state and the indicators' rates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from gangting.kernel.calendar import HolidayCalendar
from gangting.ratings.rules import (
    RemedyDeadlines,
    RemedyPolicy,
    RemedyState,
    closed_on_time,
    link_state,
    next_step,
    overdue_steps,
    rate,
    remedy_deadlines,
    step_allowed,
    step_due_on,
    working_days_left,
)

PLAIN = HolidayCalendar()
# An example calendar in the shape the State Council publishes (data, not a claim about a
# real year): 1-7 October off, Sunday 27 September and Saturday 10 October worked (调休).
GOLDEN_WEEK = HolidayCalendar(
    holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
    extra_workdays=frozenset({date(2026, 9, 27), date(2026, 10, 10)}),
)
POLICY = RemedyPolicy()


@pytest.mark.parametrize(
    ("rated_on", "calendar", "contact", "ordinary", "complex_"),
    [
        # Thursday: Fri; next Thu (5 working days); 15 working days = three weeks on
        (date(2026, 11, 26), PLAIN, date(2026, 11, 27), date(2026, 12, 3), date(2026, 12, 17)),
        # Friday: the weekend does not count
        (date(2026, 12, 4), PLAIN, date(2026, 12, 7), date(2026, 12, 11), date(2026, 12, 25)),
        # Saturday: counting starts on Monday
        (date(2026, 12, 5), PLAIN, date(2026, 12, 7), date(2026, 12, 11), date(2026, 12, 25)),
        # the day before the holidays: 1-7 Oct are off, Sat 10 Oct is worked (调休)
        (
            date(2026, 9, 30),
            GOLDEN_WEEK,
            date(2026, 10, 8),
            date(2026, 10, 13),
            date(2026, 10, 27),
        ),
        # rated on a holiday
        (
            date(2026, 10, 3),
            GOLDEN_WEEK,
            date(2026, 10, 8),
            date(2026, 10, 13),
            date(2026, 10, 27),
        ),
        # Saturday before a worked Sunday (调休): the Sunday is the first working day
        (
            date(2026, 9, 26),
            GOLDEN_WEEK,
            date(2026, 9, 27),
            date(2026, 10, 8),
            date(2026, 10, 21),
        ),
    ],
)
def test_the_1_5_15_deadlines_count_working_days_with_holidays_and_adjusted_workdays(
    rated_on: date, calendar: HolidayCalendar, contact: date, ordinary: date, complex_: date
) -> None:
    plain = remedy_deadlines(rated_on, POLICY, calendar, complex_matter=False)
    hard = remedy_deadlines(rated_on, POLICY, calendar, complex_matter=True)
    assert plain == RemedyDeadlines(contact, ordinary)
    assert hard == RemedyDeadlines(contact, complex_)
    assert step_due_on("contact", plain) == contact
    assert {step_due_on(s, plain) for s in ("fix", "return_visit", "close")} == {ordinary}


def test_the_numbers_are_settings() -> None:
    tight = RemedyPolicy(contact_days=0, ordinary_days=2, complex_days=7)
    due = remedy_deadlines(date(2026, 11, 26), tight, PLAIN, complex_matter=False)
    assert due == RemedyDeadlines(date(2026, 11, 26), date(2026, 11, 30))
    assert remedy_deadlines(date(2026, 11, 26), tight, PLAIN, complex_matter=True).due_on == date(
        2026, 12, 7
    )


@pytest.mark.parametrize(
    ("state", "action", "allowed"),
    [
        (RemedyState.ASSIGNED, "contact", True),
        (RemedyState.CONTACTED, "fix", True),
        (RemedyState.FIXED, "return_visit", True),
        (RemedyState.RETURN_VISITED, "close", True),
        (RemedyState.ASSIGNED, "fix", False),
        (RemedyState.ASSIGNED, "close", False),
        (RemedyState.CONTACTED, "contact", False),
        (RemedyState.FIXED, "close", False),
        (RemedyState.CLOSED, "contact", False),
        (RemedyState.CLOSED, "close", False),
        (RemedyState.OPEN, "contact", False),
        (RemedyState.ASSIGNED, "delete", False),
    ],
)
def test_the_steps_go_in_order_one_at_a_time(
    state: RemedyState, action: str, allowed: bool
) -> None:
    verdict = step_allowed(state, action)
    assert verdict.allowed is allowed
    if not allowed:
        assert verdict.reasons[0].code in (
            "ratings.remedy_state_conflict",
            "ratings.remedy_step_unknown",
        )


DUE = RemedyDeadlines(date(2026, 11, 27), date(2026, 12, 3))


@pytest.mark.parametrize(
    ("state", "today", "steps"),
    [
        (RemedyState.ASSIGNED, date(2026, 11, 27), []),  # the due day itself is on time
        (RemedyState.ASSIGNED, date(2026, 11, 28), ["contact"]),
        (RemedyState.CONTACTED, date(2026, 11, 28), []),
        (RemedyState.CONTACTED, date(2026, 12, 3), []),
        (RemedyState.CONTACTED, date(2026, 12, 4), ["close"]),
        (RemedyState.RETURN_VISITED, date(2026, 12, 4), ["close"]),
        (RemedyState.ASSIGNED, date(2026, 12, 4), ["contact", "close"]),
        (RemedyState.CLOSED, date(2027, 1, 1), []),
    ],
)
def test_a_step_is_overdue_from_the_day_after_its_due_date(
    state: RemedyState, today: date, steps: list[str]
) -> None:
    assert [s for s, _ in overdue_steps(state, DUE, today)] == steps


def test_on_time_means_closed_by_the_end_of_the_due_day() -> None:
    assert closed_on_time(date(2026, 12, 3), date(2026, 12, 3))
    assert not closed_on_time(date(2026, 12, 4), date(2026, 12, 3))
    assert not closed_on_time(None, date(2026, 12, 3))


def test_a_link_works_once_until_it_expires() -> None:
    now = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    later = now + timedelta(days=30)
    assert link_state(later, None, now) == "usable"
    assert link_state(later, now, now) == "used"
    assert link_state(later, None, later) == "expired"
    assert link_state(now, now - timedelta(days=1), later) == "used"  # used stays used


def test_a_rate_of_nothing_is_none_not_zero() -> None:
    assert rate(0, 0) is None
    assert rate(0, 4) == 0.0
    assert rate(3, 4) == 0.75


@pytest.mark.parametrize(
    ("today", "due_on", "calendar", "left"),
    [
        (date(2026, 12, 3), date(2026, 12, 3), PLAIN, 0),  # due today
        (date(2026, 11, 26), date(2026, 12, 3), PLAIN, 5),  # as remedy_due_on counted them
        (date(2026, 12, 4), date(2026, 12, 7), PLAIN, 1),  # Fri -> Mon: the weekend is free
        (date(2026, 12, 4), date(2026, 12, 3), PLAIN, -1),  # the day after: one day late
        (date(2026, 12, 6), date(2026, 12, 4), PLAIN, -1),  # past it over a weekend only
        (date(2026, 12, 9), date(2026, 12, 3), PLAIN, -4),  # Fri, Mon, Tue, Wed
        (date(2026, 9, 30), date(2026, 10, 9), GOLDEN_WEEK, 2),  # 8 and 9 Oct, not 1-7
        (date(2026, 10, 12), date(2026, 9, 30), GOLDEN_WEEK, -4),  # 8, 9, 10 (调休), 12 Oct
    ],
)
def test_working_days_left_count_as_the_deadlines_do(
    today: date, due_on: date, calendar: HolidayCalendar, left: int
) -> None:
    assert working_days_left(today, due_on, calendar) == left


def test_the_next_step_follows_the_state() -> None:
    assert [next_step(s) for s in RemedyState] == [
        None,
        "contact",
        "fix",
        "return_visit",
        "close",
        None,
    ]
