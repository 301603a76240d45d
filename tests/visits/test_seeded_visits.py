"""The demo seed's service visits: a staggered roll-out, hall and booth visits, and a
built-in effect that a 2x2 difference-in-differences of means recovers (the full
Callaway–Sant'Anna check runs where the estimator lives)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from statistics import mean
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, aliased

from gangting.booths.models import Booth
from gangting.config import Settings
from gangting.kernel.calendar import add_years
from gangting.kernel.clock import city_midnight
from gangting.kernel.db import make_engine
from gangting.seed.city import seed_database
from gangting.seed.visits import LOG_HALL_VISITS_EFFECT, ONE_VISIT_EFFECT, ROLL_OUT_MONTH
from gangting.visits.models import ServiceVisit
from gangting.visits.panel import district_month_panel, period_of

TODAY = date(2026, 12, 6)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    var = tmp_path_factory.mktemp("seeded-visits")
    settings = Settings(
        database_url=f"sqlite:///{var / 'city.db'}",
        var_dir=Path(var),
        demo_clock="2026-12-06T10:00:00+08:00",
    )
    seed_database(settings, scale="tiny", seed=7, console=Console(quiet=True))
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


def _panel(engine: Engine, outcome: str) -> list[dict[str, Any]]:
    start = add_years(TODAY, -3).replace(day=1)
    last_month_end = TODAY.replace(day=1).fromordinal(TODAY.replace(day=1).toordinal() - 1)
    with Session(engine) as s:
        return district_month_panel(s, outcome, start, last_month_end)


def test_booths_open_staggered_and_some_districts_stay_untreated(seeded: Engine) -> None:
    with Session(seeded) as s:
        openings = s.execute(select(Booth.district_code, Booth.opened_on)).all()
    assert all(opened is not None and opened <= TODAY for _, opened in openings)
    start = add_years(TODAY, -3)
    for code, opened in openings:
        month = ROLL_OUT_MONTH[code]
        assert opened is not None
        assert month is not None and opened.day == 1
        assert (opened.year - start.year) * 12 + opened.month - start.month == month
    assert len({opened for _, opened in openings}) >= 2  # staggered
    rows = _panel(seeded, "hall_visits")
    assert {r["first_treated"] for r in rows} >= {0}
    assert len({r["first_treated"] for r in rows if r["first_treated"]}) >= 2


def test_visits_at_halls_and_booths_and_never_at_a_booth_before_it_opened(seeded: Engine) -> None:
    with Session(seeded) as s:
        by_channel = dict(
            s.execute(
                select(ServiceVisit.channel, func.count()).group_by(ServiceVisit.channel)
            ).all()
        )
        assert by_channel["hall"] > 10_000 and by_channel["booth"] > 1_000
        for booth_id, opened in s.execute(select(Booth.id, Booth.opened_on)).all():
            assert opened is not None
            early = s.scalar(
                select(func.count())
                .select_from(ServiceVisit)
                .where(
                    ServiceVisit.booth_id == booth_id,
                    ServiceVisit.started_at < city_midnight(opened),
                )
            )
            assert early == 0
        # A second visit always follows an uncompleted first visit of the same matter.
        first = aliased(ServiceVisit)
        bad = s.scalar(
            select(func.count())
            .select_from(ServiceVisit)
            .join(first, (first.matter_key == ServiceVisit.matter_key) & (first.visit_no == 1))
            .where(ServiceVisit.visit_no == 2, first.outcome == "completed")
        )
        assert bad == 0
        orphans = s.scalar(
            select(func.count())
            .select_from(ServiceVisit)
            .where(ServiceVisit.visit_no == 2)
            .where(
                ~select(first.id)
                .where(first.matter_key == ServiceVisit.matter_key, first.visit_no == 1)
                .exists()
            )
        )
        assert orphans == 0
        assert (
            s.scalar(
                select(func.count())
                .select_from(ServiceVisit)
                .where(ServiceVisit.outcome == "refused", ServiceVisit.refusal_code.is_(None))
            )
            == 0
        )


def _did(rows: list[dict[str, Any]], transform: Any = None) -> tuple[float, float]:
    """2x2 DiD of means: the first wave against the never-treated, before and after the
    first wave's opening month; and the naive before/after of the first wave."""
    g = min(r["first_treated"] for r in rows if r["first_treated"])

    def m(group: int, post: bool) -> float:
        values = [
            r["outcome"] for r in rows if r["first_treated"] == group and (r["period"] >= g) == post
        ]
        return float(transform(values)) if transform else mean(values)

    naive = m(g, True) - m(g, False)
    return naive - (m(0, True) - m(0, False)), naive


def test_a_two_by_two_did_recovers_the_built_in_one_visit_effect(seeded: Engine) -> None:
    did, naive = _did(_panel(seeded, "one_visit_rate"))
    assert abs(did - ONE_VISIT_EFFECT) < 0.03, did
    # The common trend biases the naive before/after upwards.
    assert naive - ONE_VISIT_EFFECT > 0.03
    assert abs(naive - ONE_VISIT_EFFECT) > abs(did - ONE_VISIT_EFFECT)


def test_a_two_by_two_did_recovers_the_built_in_hall_visits_effect(seeded: Engine) -> None:
    # On the log of the mean monthly count (small districts' log counts are noisy).
    did, _ = _did(_panel(seeded, "hall_visits"), lambda values: math.log(mean(values)))
    assert abs(did - LOG_HALL_VISITS_EFFECT) < 0.08, did
    assert period_of(TODAY) > 0
