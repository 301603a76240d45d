"""The published 好差评 indicators (GB/T 39734-2020; 国办发〔2019〕51号 asks for the results to
be published), per booth, per brigade (大队) or per month (docs/decisions/0022):

- applications: booth applications (completed or refused) handled in the period;
- ratings: ratings of those applications, plus ratings given at the booth in the period
  without a receipt; good = levels 4-5, bad = levels 1-2;
- rating rate = ratings / applications; good rate = good / ratings;
- bad-review fix rate = remedies closed (as of now) / bad ratings;
- on-time fix rate = remedies closed by the end of their due date / remedies closed.

A rating counts in the period (and month) of the application it rates, so a late link rating
lands with its business; "now" for closed remedies is the query time. A rate is None when
its denominator is 0. Dates are the city's (Asia/Shanghai); ``end`` is inclusive.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gangting.applications.models import Application
from gangting.booths.models import Booth
from gangting.kernel.clock import CITY_ZONE
from gangting.ratings.models import BadReviewRemedy, Rating
from gangting.ratings.rules import RemedyState, closed_on_time, rate
from gangting.staff.models import OrgUnit, OrgUnitKind

By = Literal["booth", "brigade", "month"]
GOOD_LEVELS = (4, 5)
BAD_LEVELS = (1, 2)


@dataclass(frozen=True)
class IndicatorRow:
    key: str  # booth code, brigade unit code, or "YYYY-MM"
    label: str  # booth name, unit name, or "YYYY年M月"
    applications: int
    ratings: int
    good: int
    bad: int
    remedies_closed: int
    remedies_on_time: int
    rating_rate: float | None
    good_rate: float | None
    fix_rate: float | None
    on_time_rate: float | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Tally:
    applications: int = 0
    ratings: int = 0
    good: int = 0
    bad: int = 0
    closed: int = 0
    on_time: int = 0


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time.min, tzinfo=CITY_ZONE),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=CITY_ZONE),
    )


def _brigades(session: Session) -> tuple[dict[uuid.UUID, OrgUnit], dict[str, OrgUnit]]:
    units = list(session.execute(select(OrgUnit)).scalars())
    return {u.id: u for u in units}, {u.path: u for u in units}


def _brigade_of(unit: OrgUnit, by_path: dict[str, OrgUnit]) -> OrgUnit:
    """The booth unit's brigade (大队): the nearest unit of kind brigade on its path, itself
    included; a booth hung elsewhere counts under its own unit."""
    parts = [p for p in unit.path.split("/") if p]
    for i in range(len(parts), 0, -1):
        ancestor = by_path.get("/" + "/".join(parts[:i]) + "/")
        if ancestor is not None and ancestor.kind == OrgUnitKind.BRIGADE:
            return ancestor
    return unit


def rating_indicators(
    session: Session,
    *,
    start: date,
    end: date,
    by: By,
    booth_ids: Collection[uuid.UUID] | None = None,
) -> list[IndicatorRow]:
    """The indicators of the period ``start``..``end`` (city dates, both included), one row
    per booth, brigade or month with any application or rating, sorted by key; with
    ``booth_ids``, of those booths only (a caller's scope)."""
    if end < start:
        raise ValueError("end must not be before start")
    if by not in ("booth", "brigade", "month"):
        raise ValueError("by must be booth, brigade or month")
    lo, hi = _bounds(start, end)
    booths = {b.id: b for b in session.execute(select(Booth)).scalars()}
    only = set(booth_ids) if booth_ids is not None else None
    units, by_path = _brigades(session)
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    labels: dict[str, str] = {}

    def key_of(booth_id: uuid.UUID, at: datetime) -> str:
        if by == "month":
            local = at.astimezone(CITY_ZONE)
            key = f"{local.year:04d}-{local.month:02d}"
            labels[key] = f"{local.year}年{local.month}月"
            return key
        booth = booths[booth_id]
        if by == "booth":
            labels[booth.code] = booth.name
            return booth.code
        brigade = _brigade_of(units[booth.org_unit_id], by_path)
        labels[brigade.code] = brigade.name
        return brigade.code

    for booth_id, created_at in session.execute(
        select(Application.booth_id, Application.created_at).where(
            Application.booth_id.is_not(None),
            Application.state.in_(["completed", "refused"]),
            Application.created_at >= lo,
            Application.created_at < hi,
        )
    ).all():
        if booth_id is not None and (only is None or booth_id in only):
            tallies[key_of(booth_id, created_at)].applications += 1

    rated = (
        select(Rating, Application.created_at, BadReviewRemedy)
        .outerjoin(Application, Application.id == Rating.application_id)
        .outerjoin(BadReviewRemedy, BadReviewRemedy.rating_id == Rating.id)
    )
    with_application = rated.where(
        Rating.application_id.is_not(None),
        Application.created_at >= lo,
        Application.created_at < hi,
    )
    without = rated.where(
        Rating.application_id.is_(None), Rating.rated_at >= lo, Rating.rated_at < hi
    )
    for query in (with_application, without):
        for rating, handled_at, remedy in session.execute(query).all():
            if only is not None and rating.booth_id not in only:
                continue
            tally = tallies[key_of(rating.booth_id, handled_at or rating.rated_at)]
            tally.ratings += 1
            tally.good += rating.level in GOOD_LEVELS
            if rating.level in BAD_LEVELS:
                tally.bad += 1
                if remedy is not None and remedy.state == RemedyState.CLOSED:
                    tally.closed += 1
                    closed_on = (
                        remedy.closed_at.astimezone(CITY_ZONE).date()
                        if remedy.closed_at is not None
                        else None
                    )
                    tally.on_time += closed_on_time(closed_on, remedy.due_on)
    return [
        IndicatorRow(
            key=key,
            label=labels[key],
            applications=t.applications,
            ratings=t.ratings,
            good=t.good,
            bad=t.bad,
            remedies_closed=t.closed,
            remedies_on_time=t.on_time,
            rating_rate=rate(t.ratings, t.applications),
            good_rate=rate(t.good, t.ratings),
            fix_rate=rate(t.closed, t.bad),
            on_time_rate=rate(t.on_time, t.closed),
        )
        for key, t in sorted(tallies.items())
    ]
