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
from gangting.kernel.clock import CITY_ZONE
from gangting.visits.models import ServiceVisit

OUTCOMES: dict[str, str] = {
    "one_visit_rate": "一次办结率: share of matters first visited in the month whose first "
    "visit completed them (0–1)",
    "hall_visits": "service-hall visits by the district's residents in the month",
    "log_hall_visits": "natural log of hall_visits (units with a month of 0 left out)",
    "booth_visits": "booth visits by the district's residents in the month",
    "visits": "all visits (booth and hall) by the district's residents in the month",
    "booth_share": "booth visits / all visits (0–1)",
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
    treated = first_treated_periods(session, end)
    rows: list[dict[str, Any]] = []
    for code in sorted(cells):
        values: list[float] = []
        for period in periods:
            n_hall, n_booth, n_first, n_done = cells[code].get(period, (0, 0, 0, 0))
            value = _value(outcome, n_hall, n_booth, n_first, n_done)
            if value is None:
                break
            values.append(value)
        else:
            rows += [
                {
                    "unit": code,
                    "period": period,
                    "first_treated": treated.get(code, 0),
                    "outcome": value,
                }
                for period, value in zip(periods, values, strict=True)
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
