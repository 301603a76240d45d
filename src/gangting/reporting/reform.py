"""The reform's effect (issue 13 §5): district x month panels of the outcomes the visits
support, the booths' staggered opening as the treatment, and the Callaway & Sant'Anna
difference-in-differences estimator (``gangting.analysis.did``) on each.

Treatment: a district is treated from the month its first booth opened (as
``gangting.visits.panel``); a district with no booth opened by the end is never treated.
The panel's definitions are the visits package's (``district_month_panel``; a test holds
the two equal), computed here in one SQL statement for all outcomes
(``kpis.district_month_counts``: PostgreSQL or SQLite does the counting); the estimator runs
on the small panel (districts x months) in numpy.

Outcomes:

- ``hall_visits``: visits to service halls (服务大厅) by the district's residents a month;
- ``one_visit_rate``: of the matters the district's residents first visited (booth and
  hall), the share finished at that first visit (一次办结率);
- ``wait_min``: mean minutes from queue number to service start, booth and hall;
- ``processing_days``: the visits package's panel (``district_month_panel``), mean days
  from a camera-recorded violation to its penalty decision.

A district-month with nothing to divide by has no rate; such a district is left out of
that outcome's panel (the estimator needs a balanced panel) and the report says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from gangting.analysis.did import DidResult, PanelError, callaway_santanna, event_study_svg
from gangting.geo.districts import baotou_districts
from gangting.reporting.charts import inline_svg
from gangting.reporting.kpis import DistrictMonth, district_month_counts
from gangting.reporting.sql import booths, month_index, month_label, months_between


@dataclass(frozen=True)
class Outcome:
    key: str
    name_zh: str
    unit_zh: str
    better: str  # "lower" | "higher": which direction the reform hopes for
    value: Callable[[DistrictMonth], float | None]


def _rate(first: int, completed: int) -> float | None:
    return first / completed if completed else None


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("hall_visits", "服务大厅到访量", "人次/月", "lower", lambda d: float(d.hall_visits)),
    Outcome(
        "one_visit_rate",
        "一次办结率",
        "比例",
        "higher",
        lambda d: _rate(d.completed_first_visit, d.first_visits),
    ),
    Outcome(
        "wait_min",
        "平均等候时长",
        "分钟",
        "lower",
        lambda d: d.wait_s_sum / d.visits / 60.0 if d.visits else None,
    ),
)
# From the visits package's panel (its own SQL over violations, decisions and citizens):
# mean days from a camera-recorded violation to its penalty decision, by the month the
# violation happened, for drivers registered in the district.
PROCESSING_DAYS = Outcome("processing_days", "违法发生至处理天数", "天", "lower", lambda d: None)


@dataclass(frozen=True)
class Rollout:
    district_code: str
    district_name: str
    first_opened_on: date | None
    first_treated: int  # month index; 0 never

    @property
    def first_treated_label(self) -> str:
        return month_label(self.first_treated) if self.first_treated else "—"


@dataclass(frozen=True)
class OutcomeEffect:
    outcome: Outcome
    result: DidResult | None
    error: str | None
    svg: str | None
    left_out: tuple[str, ...] = ()
    means: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.key,
            "name_zh": self.outcome.name_zh,
            "unit_zh": self.outcome.unit_zh,
            "better": self.outcome.better,
            "result": self.result.to_dict() if self.result else None,
            "error": self.error,
            "left_out": list(self.left_out),
        }


@dataclass(frozen=True)
class ReformEffect:
    start: date
    end: date
    months: tuple[str, ...]
    rollout: tuple[Rollout, ...]
    effects: tuple[OutcomeEffect, ...]
    control: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "months": list(self.months),
            "control": self.control,
            "rollout": [
                {
                    "district_code": r.district_code,
                    "district_name": r.district_name,
                    "first_opened_on": r.first_opened_on.isoformat() if r.first_opened_on else None,
                    "first_treated": r.first_treated_label if r.first_treated else None,
                }
                for r in self.rollout
            ],
            "effects": [e.to_dict() for e in self.effects],
        }


def first_treated_month(opened_on: date) -> int:
    """The month a booth opened (month index): the district is treated from then on, as in
    ``gangting.visits.panel.first_treated_periods``."""
    return opened_on.year * 12 + opened_on.month - 1


def rollout(session: Session, districts: list[str], end: date | None = None) -> tuple[Rollout, ...]:
    """Each district's first booth opening and first treated month."""
    rows = session.execute(
        select(booths.c.district_code, booths.c.opened_on).where(booths.c.opened_on.is_not(None))
    ).all()
    first: dict[str, date] = {}
    for code, opened in rows:
        if end is not None and first_treated_month(opened) > end.year * 12 + end.month - 1:
            continue  # opened after the window: never treated within it
        if code not in first or opened < first[code]:
            first[code] = opened
    names = baotou_districts()
    return tuple(
        Rollout(
            d,
            names[d].name if d in names else d,
            first.get(d),
            first_treated_month(first[d]) if d in first else 0,
        )
        for d in sorted(districts)
    )


def panel_frame(
    counts: list[DistrictMonth], months: list[str], roll: tuple[Rollout, ...], outcome: Outcome
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The balanced panel (unit, period, first_treated, outcome) of one outcome; districts
    with a month without a value are left out (returned second)."""
    cells = {(c.district_code, c.month): c for c in counts}
    rows: list[dict[str, Any]] = []
    left_out: list[str] = []
    for r in roll:
        values: list[float] = []
        for m in months:
            cell = cells.get((r.district_code, m))
            value = (
                outcome.value(cell)
                if cell is not None
                else (0.0 if outcome.key == "hall_visits" else None)
            )
            if value is None or math.isnan(value):
                break
            values.append(value)
        if len(values) != len(months):
            left_out.append(r.district_code)
            continue
        rows.extend(
            {
                "unit": r.district_code,
                "period": month_index(m),
                "first_treated": r.first_treated,
                "outcome": v,
            }
            for m, v in zip(months, values, strict=True)
        )
    frame = pd.DataFrame(rows, columns=["unit", "period", "first_treated", "outcome"])
    return frame, tuple(left_out)


def _means(frame: pd.DataFrame) -> dict[str, tuple[float | None, float | None]]:
    """Mean outcome of treated district-months before and after treatment (descriptive)."""
    treated = frame[frame["first_treated"] > 0]
    pre = treated[treated["period"] < treated["first_treated"]]["outcome"]
    post = treated[treated["period"] >= treated["first_treated"]]["outcome"]
    return {
        "treated": (
            float(pre.mean()) if len(pre) else None,
            float(post.mean()) if len(post) else None,
        )
    }


def _processing_days(
    session: Session, start: date, end: date, control: str, alpha: float
) -> OutcomeEffect:
    from gangting.visits.panel import district_month_panel

    outcome = PROCESSING_DAYS
    rows = district_month_panel(session, outcome.key, start, end)
    if not rows:
        return OutcomeEffect(outcome, None, "期间内没有可归到区的违法处理记录", None)
    frame = pd.DataFrame(rows, columns=["unit", "period", "first_treated", "outcome"])
    try:
        result = callaway_santanna(frame, control=control, alpha=alpha)  # type: ignore[arg-type]
    except (PanelError, ValueError) as exc:
        return OutcomeEffect(outcome, None, getattr(exc, "message", None) or str(exc), None)
    svg = inline_svg(event_study_svg(result, title=f"{outcome.name_zh}：事件研究 event study"))
    return OutcomeEffect(outcome, result, None, svg, (), _means(frame))


def reform_effect(
    session: Session,
    *,
    start: date,
    end: date,
    alpha: float = 0.05,
    progress: Callable[[str], None] | None = None,
) -> ReformEffect:
    """The panels from the database and the estimates, outcome by outcome."""
    tick = progress or (lambda _: None)
    months = months_between(start, end)
    counts = district_month_counts(session, start=start, end=end)
    tick("aggregates")
    districts = sorted({c.district_code for c in counts})
    roll = rollout(session, districts, end)
    never = any(r.first_treated == 0 for r in roll)
    control = "never" if never else "notyet"
    effects: list[OutcomeEffect] = []
    for outcome in OUTCOMES:
        frame, left_out = panel_frame(counts, months, roll, outcome)
        try:
            result = callaway_santanna(frame, control=control, alpha=alpha)  # type: ignore[arg-type]
            svg = inline_svg(
                event_study_svg(result, title=f"{outcome.name_zh}：事件研究 event study")
            )
            effects.append(OutcomeEffect(outcome, result, None, svg, left_out, _means(frame)))
        except (PanelError, ValueError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            effects.append(OutcomeEffect(outcome, None, message, None, left_out))
        tick(outcome.key)
    effects.append(_processing_days(session, start, end, control, alpha))
    tick(PROCESSING_DAYS.key)
    return ReformEffect(start, end, tuple(months), roll, tuple(effects), control)
