"""District-by-month panels of the service visits, the input of the reform's
difference-in-differences (gangting.analysis.did): one row per district and month.

* unit: the district whose residents were served: ``home_district_code``, or where served
  (``district_code``) when the home district is unknown. A booth opening in a district
  changes how *its residents* are served, so that is the unit that gets treated.
* period: ``year * 12 + month - 1`` of the month in the city's zone (Asia/Shanghai).
* first_treated: the period in which the district's first booth opened (``booths.opened_on``);
  0 when it has none or it opened after ``end`` (never treated within the window).
* outcome: see ``OUTCOMES``.

The panel is balanced: every unit has a row for every month from ``start`` to ``end``.
Counts are 0 in a month without visits; a rate or log outcome is undefined there, so a unit
with such a month is left out of that outcome's panel.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gangting.booths.models import Booth
from gangting.citizens.models import Citizen
from gangting.fines.models import PenaltyDecision
from gangting.kernel.clock import CITY_ZONE, city_date
from gangting.violations.models import Violation
from gangting.visits.models import ServiceVisit

OUTCOMES: dict[str, str] = {
    "one_visit_rate": "一次办结率: share of matters first visited in the month whose first "
    "visit completed them (0–1)",
    "hall_visits": "service-hall visits by the district's residents in the month",
    "log_hall_visits": "natural log of hall_visits (units with a month of 0 left out)",
    "booth_visits": "booth visits by the district's residents in the month",
    "visits": "all visits (booth and hall) by the district's residents in the month",
    "booth_share": "booth visits / all visits (0–1)",
    "processing_days": "mean days from a camera-recorded violation (by the month it happened) "
    "to its penalty decision, for drivers living in the district (citizens.area_code); "
    "violations not yet decided are not counted, so end the window a few months back",
}


class UnknownOutcome(ValueError):
    pass


def period_of(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_start(period: int) -> date:
    return date(period // 12, period % 12 + 1, 1)


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CITY_ZONE).astimezone(UTC)


def first_treated_periods(session: Session, end: date) -> dict[str, int]:
    """District code -> period of its first booth's opening (openings after ``end``
    count as never, 0)."""
    rows = session.execute(
        select(Booth.district_code, func.min(Booth.opened_on))
        .where(Booth.opened_on.is_not(None))
        .group_by(Booth.district_code)
    ).all()
    last = period_of(end)
    return {
        code: (period_of(opened) if period_of(opened) <= last else 0)
        for code, opened in rows
        if opened is not None
    }


def district_month_panel(
    session: Session, outcome: str, start: date, end: date
) -> list[dict[str, Any]]:
    """Rows ``{"unit", "period", "first_treated", "outcome"}`` for the months from
    ``start``'s to ``end``'s (inclusive), sorted by unit and period."""
    if outcome not in OUTCOMES:
        raise UnknownOutcome(f"unknown outcome {outcome!r}: choose one of {', '.join(OUTCOMES)}")
    if end < start:
        raise ValueError("end is before start")
    periods = list(range(period_of(start), period_of(end) + 1))
    if outcome == "processing_days":
        return _balanced(_processing_days(session, periods), periods, session, end)
    unit = func.coalesce(ServiceVisit.home_district_code, ServiceVisit.district_code)
    hall = func.sum(case((ServiceVisit.channel == "hall", 1), else_=0))
    booth = func.sum(case((ServiceVisit.channel == "booth", 1), else_=0))
    first = func.sum(case((ServiceVisit.visit_no == 1, 1), else_=0))
    first_done = func.sum(
        case(((ServiceVisit.visit_no == 1) & (ServiceVisit.outcome == "completed"), 1), else_=0)
    )
    cells: dict[str, dict[int, tuple[int, int, int, int]]] = defaultdict(dict)
    for period in periods:
        lo, hi = _instant(month_start(period)), _instant(month_start(period + 1))
        for code, n_hall, n_booth, n_first, n_done in session.execute(
            select(unit, hall, booth, first, first_done)
            .where(ServiceVisit.started_at >= lo, ServiceVisit.started_at < hi)
            .group_by(unit)
        ):
            cells[code][period] = (
                int(n_hall or 0),
                int(n_booth or 0),
                int(n_first or 0),
                int(n_done or 0),
            )
    values: dict[str, dict[int, float | None]] = {
        code: {period: _value(outcome, *by_period.get(period, (0, 0, 0, 0))) for period in periods}
        for code, by_period in cells.items()
    }
    return _balanced(values, periods, session, end)


def _processing_days(session: Session, periods: list[int]) -> dict[str, dict[int, float | None]]:
    out: dict[str, dict[int, float | None]] = defaultdict(dict)
    for period in periods:
        lo, hi = _instant(month_start(period)), _instant(month_start(period + 1))
        sums: dict[str, list[int]] = defaultdict(list)
        for area, occurred, decided in session.execute(
            select(Citizen.area_code, Violation.occurred_at, PenaltyDecision.decided_at)
            .join(PenaltyDecision, PenaltyDecision.violation_id == Violation.id)
            .join(Citizen, Citizen.id == PenaltyDecision.citizen_id)
            .where(Violation.occurred_at >= lo, Violation.occurred_at < hi)
        ):
            sums[area].append((city_date(decided) - city_date(occurred)).days)
        for area, lags in sums.items():
            out[area][period] = sum(lags) / len(lags)
    return out


def _balanced(
    values: dict[str, dict[int, float | None]], periods: list[int], session: Session, end: date
) -> list[dict[str, Any]]:
    """Rows of the units with a value in every period."""
    treated = first_treated_periods(session, end)
    rows: list[dict[str, Any]] = []
    for code in sorted(values):
        series = [values[code].get(period) for period in periods]
        if all(value is not None for value in series):
            rows += [
                {
                    "unit": code,
                    "period": period,
                    "first_treated": treated.get(code, 0),
                    "outcome": value,
                }
                for period, value in zip(periods, series, strict=True)
            ]
    return rows


def _value(outcome: str, n_hall: int, n_booth: int, n_first: int, n_done: int) -> float | None:
    if outcome == "one_visit_rate":
        return n_done / n_first if n_first else None
    if outcome == "hall_visits":
        return float(n_hall)
    if outcome == "log_hall_visits":
        return math.log(n_hall) if n_hall else None
    if outcome == "booth_visits":
        return float(n_booth)
    if outcome == "visits":
        return float(n_hall + n_booth)
    total = n_hall + n_booth
    return n_booth / total if total else None
