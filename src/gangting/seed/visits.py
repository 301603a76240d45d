"""Years of service visits at halls and booths, with the booths' staggered roll-out and a
KNOWN built-in effect of a district's first booth opening, so that the reform's evaluation
(difference-in-differences, gangting.analysis.did) can be checked against the truth.

The data-generating process, per district d (its residents) and month t:

* new matters ~ Poisson(BASE_MATTERS_PER_10K_MONTH x population_d x scale
  x exp(district demand effect) x (1 + DEMAND_TREND_PER_MONTH)^t x season(month));
* each matter's first visit completes it with probability
  p_hall(d, t) = BASE_ONE_VISIT_RATE + district offset + ONE_VISIT_TREND_PER_MONTH x t
  + a district-month shock; at a booth p_hall + BOOTH_ONE_VISIT_LIFT;
* before the district's first booth opens every matter goes to a hall; from its opening
  day a share BOOTH_SHARE_AFTER_OPENING of the district's matters go to its booths;
* a matter not completed at its first visit (refused, sometimes referred) is completed at
  a second visit on the same channel a few days later.

Hence, in expectation, a district's first booth raises its one-visit rate by exactly
ONE_VISIT_EFFECT = BOOTH_SHARE_AFTER_OPENING x BOOTH_ONE_VISIT_LIFT (+8 percentage points)
and multiplies its residents' hall visits by 1 + HALL_VISITS_EFFECT (-40 %: log effect
ln 0.6 = -0.511). The common time trends make a naive before/after comparison overstate the
one-visit effect; the districts that got booths first were already better served
(EARLY_DISTRICT_OFFSET), so a naive treated-vs-untreated comparison is biased too. A DiD
with district and month effects is not.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from gangting.kernel.calendar import add_months
from gangting.kernel.clock import CITY_ZONE
from gangting.kernel.ids import new_id
from gangting.seed.places import DISTRICTS
from gangting.visits.halls import Hall, nearest_hall
from gangting.visits.rules import MATTER_PREFIX

# --- the built-in truth ------------------------------------------------------------------
BOOTH_SHARE_AFTER_OPENING = 0.40
"""Share of a treated district's residents' matters served at its booths."""
BOOTH_ONE_VISIT_LIFT = 0.20
"""How much likelier a booth completes a matter at the first visit than a hall (0-1)."""
ONE_VISIT_EFFECT = BOOTH_SHARE_AFTER_OPENING * BOOTH_ONE_VISIT_LIFT
"""Built-in effect of a district's first booth on its one-visit rate: +0.08 (8 pp)."""
HALL_VISITS_EFFECT = -BOOTH_SHARE_AFTER_OPENING
"""Built-in relative effect on the district's residents' hall visits per month: -40 %."""
LOG_HALL_VISITS_EFFECT = math.log(1 + HALL_VISITS_EFFECT)
"""The same effect on log hall visits: ln 0.6 = -0.511."""

PROCESSING_DAYS_EFFECT = -4.0
"""Built-in effect of a district's first booth on the days from a camera-recorded violation
to its processing (decision) for drivers living there: -4 days in expectation (seed.history:
the mean of the exponential part of the lag drops by 4 days, so does the mean of its floor)."""
PROCESSING_MEAN_LAG_DAYS = 12.0
"""Mean of the exponential part of the days to processing at the history's start (3 days
are added to it)."""
PROCESSING_TREND_PER_MONTH = -0.1
"""Common trend: drivers everywhere process 0.1 day sooner each month (apps, SMS notices)."""

# --- what makes naive comparisons wrong --------------------------------------------------
BASE_MATTERS_PER_10K_MONTH = 40.0
"""New matters per 10,000 residents per month at scale 1 (city-wide about 10,000 a month)."""
DEMAND_TREND_PER_MONTH = 0.008
"""Common growth of matters, +0.8 % a month (more cars every year)."""
DISTRICT_DEMAND_SD = 0.15
"""Log-normal spread of districts' matters per resident."""
BASE_ONE_VISIT_RATE = 0.60
"""A hall's one-visit probability at the history's start."""
ONE_VISIT_TREND_PER_MONTH = 0.0025
"""Common improvement of every hall's one-visit rate, +0.25 pp a month (online pre-checks)."""
DISTRICT_ONE_VISIT_SD = 0.03
"""Spread of districts' one-visit rates."""
EARLY_DISTRICT_OFFSET = 0.04
"""Districts in the first roll-out wave were already 4 pp better (selection)."""
CELL_SHOCK_SD = 0.01
"""District-month shock on the one-visit probability."""

ROLL_OUT_MONTH: dict[str, int | None] = {
    "150203": 6,  # 昆都仑区: first wave
    "150202": 6,  # 东河区
    "150204": 14,  # 青山区
    "150207": 14,  # 九原区
    "150221": 22,  # 土默特右旗
    "150223": 30,  # 达茂旗
    "150222": None,  # 固阳县: opens on the demo day (never treated in the history)
    "150205": None,  # 石拐区: likewise
    "150206": None,  # 白云鄂博矿区: likewise
}
"""Months after the history's first month (of a three-year history; longer or shorter
histories stretch it) in which each district's first booth opens; None: on the demo day."""
EXTRA_BOOTH_LAG_DAYS = 90
"""A district's second, third … booth opens this many days after the one before."""

ITEM_WEIGHTS: dict[str, float] = {
    "process_violations": 35,
    "pay_fines": 15,
    "renewal": 12,
    "replacement": 6,
    "health_certificate": 6,
    "inspection_mark": 18,
    "study_deduction": 8,
}
HANDLE_MINUTES: dict[str, float] = {
    "process_violations": 9,
    "pay_fines": 5,
    "renewal": 14,
    "replacement": 12,
    "health_certificate": 6,
    "inspection_mark": 10,
    "study_deduction": 7,
}
BOOTH_HANDLE_FACTOR = 0.6
HALL_WAIT_MINUTES = 22.0
REFUSAL_CODES: dict[str, tuple[str, ...]] = {
    "process_violations": ("violations.not_yours", "violations.needs_counter"),
    "pay_fines": ("fines.payment_failed",),
    "renewal": ("licences.health_certificate_missing", "licences.renewal_too_early"),
    "replacement": ("licences.detained",),
    "health_certificate": ("licences.certificate_invalid",),
    "inspection_mark": ("vehicles.insurance_missing", "vehicles.violations_unprocessed"),
    "study_deduction": ("points.study_not_found",),
}
REFERRED_SHARE = 0.15
HISTORY_MONTHS_REFERENCE = 36

VISIT_COLUMNS = (
    "id",
    "channel",
    "booth_id",
    "hall_code",
    "district_code",
    "home_district_code",
    "citizen_id",
    "application_id",
    "service_item",
    "matter_key",
    "visit_no",
    "queued_at",
    "started_at",
    "finished_at",
    "outcome",
    "refusal_code",
)
Row = tuple[object, ...]
_ITEMS = tuple(ITEM_WEIGHTS)
_ITEM_CUM = tuple(math.fsum(list(ITEM_WEIGHTS.values())[: i + 1]) for i in range(len(_ITEMS)))


@dataclass(frozen=True)
class SeedBooth:
    id: uuid.UUID
    district_code: str
    opened_on: date


def first_openings(district_codes: Sequence[str], start: date, today: date) -> dict[str, date]:
    """The day each district's first booth opens: the first of the month ROLL_OUT_MONTH
    (stretched to the history's length) after ``start``; districts without a month, or
    unknown to the plan, open on ``today``."""
    months = _months_between(start, today)
    out: dict[str, date] = {}
    for code in district_codes:
        k = ROLL_OUT_MONTH.get(code)
        if k is None:
            out[code] = today
            continue
        k = round(k * months / HISTORY_MONTHS_REFERENCE)
        out[code] = min(today, add_months(start.replace(day=1), k))
    return out


def processing_mean_lag(months_since_start: int, treated: bool) -> float:
    """Mean of the exponential part of a violation's days to processing (seed.history)."""
    mean = PROCESSING_MEAN_LAG_DAYS + PROCESSING_TREND_PER_MONTH * months_since_start
    if treated:
        mean += PROCESSING_DAYS_EFFECT
    return max(1.0, mean)


def booth_openings(
    booths: Sequence[tuple[uuid.UUID, str]], start: date, today: date
) -> dict[uuid.UUID, date]:
    """Each booth's opening day: its district's first opening, then EXTRA_BOOTH_LAG_DAYS
    apart in the given order, never after ``today``."""
    first = first_openings(sorted({d for _, d in booths}), start, today)
    seen: dict[str, int] = {}
    out: dict[uuid.UUID, date] = {}
    for booth_id, district in booths:
        k = seen.get(district, 0)
        seen[district] = k + 1
        out[booth_id] = min(today, first[district] + timedelta(days=EXTRA_BOOTH_LAG_DAYS * k))
    return out


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _instant(day: date, minute_of_day: float) -> datetime:
    base = datetime.combine(day, time(0), tzinfo=CITY_ZONE)
    return (base + timedelta(minutes=minute_of_day)).astimezone(UTC)


class VisitHistory:
    """Generates the visits month by month (``months()`` yields each month's rows)."""

    def __init__(
        self,
        rng: random.Random,
        start: date,
        end: date,
        booths: Sequence[SeedBooth],
        *,
        scale: float,
    ) -> None:
        self.rng = rng
        self.start = start.replace(day=1)
        self.end = end  # exclusive: the demo day
        self.scale = scale
        self.booths_by_district: dict[str, list[SeedBooth]] = {}
        for booth in sorted(booths, key=lambda b: b.opened_on):
            self.booths_by_district.setdefault(booth.district_code, []).append(booth)
        self.first_open = {d: bs[0].opened_on for d, bs in self.booths_by_district.items()}
        early = min(self.first_open.values(), default=None)
        self.demand = {d.code: rng.gauss(0.0, DISTRICT_DEMAND_SD) for d in DISTRICTS}
        self.offset = {
            d.code: rng.gauss(0.0, DISTRICT_ONE_VISIT_SD)
            + (EARLY_DISTRICT_OFFSET if self._early(d.code, early) else 0.0)
            for d in DISTRICTS
        }
        self.halls: dict[str, Hall] = {d.code: nearest_hall(d.code)[0] for d in DISTRICTS}
        self._seq = 0

    def _early(self, code: str, early: date | None) -> bool:
        return early is not None and self.first_open.get(code) == early

    def months(self) -> Iterator[list[Row]]:
        month = self.start
        t = 0
        while month < self.end:
            nxt = add_months(month, 1)
            yield self._month(month, min(nxt, self.end), t)
            month, t = nxt, t + 1

    def _month(self, first: date, stop: date, t: int) -> list[Row]:
        rng = self.rng
        days = [first + timedelta(days=i) for i in range((stop - first).days)]
        if not days:
            return []
        workdays = [d for d in days if d.weekday() < 5] or days
        season = 1.0 + 0.08 * math.sin(2 * math.pi * (first.month - 3) / 12)
        rows: list[Row] = []
        for district in DISTRICTS:
            code = district.code
            lam = (
                BASE_MATTERS_PER_10K_MONTH
                * district.population_10k
                * self.scale
                * math.exp(self.demand[code])
                * (1 + DEMAND_TREND_PER_MONTH) ** t
                * season
                * len(days)
                / 30.4
            )
            p_hall = (
                BASE_ONE_VISIT_RATE
                + self.offset[code]
                + ONE_VISIT_TREND_PER_MONTH * t
                + rng.gauss(0.0, CELL_SHOCK_SD)
            )
            opened = self.first_open.get(code)
            for _ in range(_poisson(rng, lam)):
                day = rng.choice(days)
                treated = opened is not None and opened <= day
                if treated and rng.random() < BOOTH_SHARE_AFTER_OPENING:
                    open_booths = [b for b in self.booths_by_district[code] if b.opened_on <= day]
                    booth: SeedBooth | None = rng.choice(open_booths)
                    p = p_hall + BOOTH_ONE_VISIT_LIFT
                else:
                    booth, p = None, p_hall
                    day = rng.choice(workdays)
                self._matter(rows, code, day, booth, min(0.98, max(0.02, p)))
        return rows

    def _matter(
        self, rows: list[Row], home: str, day: date, booth: SeedBooth | None, p_one: float
    ) -> None:
        rng = self.rng
        item = rng.choices(_ITEMS, cum_weights=_ITEM_CUM)[0]
        self._seq += 1
        one = rng.random() < p_one
        first = self._visit(home, day, booth, item, "", 1, one)
        key = f"{MATTER_PREFIX[item]}:seed{self._seq:012x}:{first[1]:%Y%m%dT%H%M%S}"
        rows.append(self._row(first, key))
        if one:
            return
        again = day + timedelta(days=1 + min(28, int(rng.expovariate(1 / 6))))
        if again >= self.end:
            return  # still open at the demo day
        if booth is None:
            while again.weekday() >= 5:
                again += timedelta(days=1)
            if again >= self.end:
                return
        rows.append(self._row(self._visit(home, again, booth, item, key, 2, True), key))

    def _visit(
        self,
        home: str,
        day: date,
        booth: SeedBooth | None,
        item: str,
        key: str,
        visit_no: int,
        completes: bool,
    ) -> tuple[object, ...]:
        rng = self.rng
        handle = HANDLE_MINUTES[item] * math.exp(rng.gauss(0.0, 0.35))
        if booth is None:
            queued = _instant(day, rng.uniform(8.5 * 60, 16.5 * 60))
            started = queued + timedelta(minutes=rng.expovariate(1 / HALL_WAIT_MINUTES))
            hall: Hall | None = self.halls[home]
        else:
            queued = _instant(day, rng.uniform(7 * 60, 21 * 60))
            started = queued
            handle *= BOOTH_HANDLE_FACTOR
            hall = None
        finished = started + timedelta(minutes=handle)
        if completes:
            outcome, refusal = "completed", None
        elif rng.random() < REFERRED_SHARE:
            outcome, refusal = "referred", None
        else:
            outcome, refusal = "refused", rng.choice(REFUSAL_CODES[item])
        return (booth, started, queued, finished, outcome, refusal, hall, item, visit_no, home)

    def _row(self, visit: tuple[object, ...], key: str) -> Row:
        booth, started, queued, finished, outcome, refusal, hall, item, visit_no, home = visit
        assert isinstance(started, datetime)
        return (
            new_id(),
            "booth" if booth is not None else "hall",
            booth.id if isinstance(booth, SeedBooth) else None,
            hall.code if isinstance(hall, Hall) else None,
            booth.district_code
            if isinstance(booth, SeedBooth)
            else (hall.district_code if isinstance(hall, Hall) else home),
            home,
            None,
            None,
            item,
            key,
            visit_no,
            queued,
            started,
            finished,
            outcome,
            refusal,
        )
