"""The reform-effect panel and estimates over a small synthetic city (tests.reporting.synthetic):
the panel equals the visits package's ``district_month_panel`` and the known effect of the
booths is found."""

from __future__ import annotations

import pytest

from gangting.reporting.kpis import district_month_counts
from gangting.reporting.reform import OUTCOMES, panel_frame, reform_effect, rollout
from gangting.reporting.sql import months_between
from gangting.visits.panel import district_month_panel
from tests.reporting.synthetic import END, START, fill
from tests.reporting.world import open_world


@pytest.mark.parametrize("outcome", ["hall_visits", "one_visit_rate"])
def test_panel_is_the_visits_packages_panel(database_url: str, outcome: str) -> None:
    w = open_world(database_url)
    try:
        fill(w)
        with w.session() as s:
            theirs = district_month_panel(s, outcome, START, END)
            counts = district_month_counts(s, start=START, end=END)
            roll = rollout(s, sorted({c.district_code for c in counts}), END)
    finally:
        w.engine.dispose()
    spec = next(o for o in OUTCOMES if o.key == outcome)
    ours, _ = panel_frame(counts, months_between(START, END), roll, spec)
    got = sorted(
        (str(r.unit), int(r.period), int(r.first_treated), round(float(r.outcome), 9))
        for r in ours.itertuples()
    )
    want = sorted(
        (str(r["unit"]), int(r["period"]), int(r["first_treated"]), round(float(r["outcome"]), 9))
        for r in theirs
    )
    assert got == want and len(got) == 6 * len(months_between(START, END))


def test_the_booths_effect_on_hall_visits_is_found(database_url: str) -> None:
    w = open_world(database_url)
    try:
        fill(w)
        with w.session() as s:
            seen: list[str] = []
            effect = reform_effect(s, start=START, end=END, progress=seen.append)
    finally:
        w.engine.dispose()
    assert seen == ["aggregates", "hall_visits", "one_visit_rate", "wait_min", "processing_days"]
    assert effect.control == "never"  # two districts never get a booth
    assert [r.first_treated_label for r in effect.rollout if r.first_treated] == [
        "2026-01",
        "2025-09",
        "2026-03",
        "2026-05",
    ]
    hall = effect.effects[0]
    assert hall.result is not None and hall.error is None and hall.svg
    # the synthetic booths take 40 % of the hall visits (a base of 30-50 a month): the
    # 95 % interval lies below zero
    assert hall.result.overall.ci_high < 0 < -hall.result.overall.att
    # no penalty decisions in the synthetic city: said, not estimated
    days = effect.effects[3]
    assert days.result is None and days.error and "违法" in days.error
    one = effect.effects[1]
    assert one.result is not None and one.result.overall.att > 0
    assert "http://" not in hall.svg.split("<svg", 1)[0]
