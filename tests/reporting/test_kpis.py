"""Service KPIs in SQL (issue 13 §2) against hand-counted rows, on SQLite and PostgreSQL.

Booth A (昆都仑区 150203) and booth B (东河区 150202) and one hall visit. Every expected figure
below is counted from the rows in ``world`` by hand (see the comments)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import update

from gangting.applications.models import Application
from gangting.geo.districts import baotou_districts
from gangting.reporting import rules
from gangting.reporting.kpis import (
    before_after,
    district_month_counts,
    refusal_labels,
    refusals_by_reason,
    service_kpis,
)
from gangting.reporting.sql import service_visits
from tests.reporting.world import World, at, open_world

A_LONLAT = (109.82, 40.66)
B_LONLAT = (110.20, 40.58)
HALLS = (
    rules.Place("HALL-KDL", 109.84, 40.65),  # near booth A
    rules.Place("HALL-DH", 110.30, 40.60),
)
ASSUME = rules.Assumptions(
    counter_minutes_per_matter=15,
    booth_officer_minutes_per_matter=2,
    booth_hours_per_day=12,
    road_factor=1.3,
)


# Where each place stands (a visit's district is its place's).
PLACES = {"BT-A": "150203", "BT-B": "150202", "HALL-DH": "150202"}
# Every visit, one a row: place (a booth, or a hall), home district, matter (its kind names
# the service item), visit number, "day queued started finished" (city time), outcome: True
# completed with an application, None completed without one, else the refusal's code.
VISITS: list[tuple[str, str | None, str, int, str, bool | str | None]] = [
    # A1: wait 300 s, handle 600 s, completed at the first visit, an application
    ("BT-A", "150203", "violation:1", 1, "2026-11-02 09:00 09:05 09:15", True),
    # A2: wait 120, handle 240, refused (identity), first visit of matter 2
    ("BT-A", "150203", "violation:2", 1, "2026-11-02 10:00 10:02 10:06", "identity.mismatch"),
    # A3: wait 600, handle 600, matter 2 completed at its second visit
    ("BT-A", "150207", "violation:2", 2, "2026-11-03 11:00 11:10 11:20", True),
    # A4: 00:30 on 1 November in the city (16:30 UTC on 31 October): November; wait 60,
    # handle 300, no home district
    ("BT-A", None, "renewal:1", 1, "2026-11-01 00:29 00:30 00:35", True),
    # A5: 23:30 on 31 October in the city: October
    ("BT-A", "150203", "renewal:2", 1, "2026-10-31 23:20 23:30 23:40", True),
    # B1: wait 1200, handle 1800, completed first visit
    ("BT-B", "150202", "renewal:3", 1, "2026-11-05 14:00 14:20 14:50", True),
    # B2: wait 0, handle 60, refused (documents)
    ("BT-B", "150202", "renewal:4", 1, "2026-11-05 15:00 15:00 15:01", "documents.expired"),
    # H1: a hall visit of a 昆都仑区 resident in 东河区
    ("HALL-DH", "150203", "violation:9", 1, "2026-11-06 09:00 09:30 09:40", None),
]


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    w = open_world(database_url)
    w.booth("BT-A", "150203", *A_LONLAT, opened=date(2026, 11, 1))
    w.booth("BT-B", "150202", *B_LONLAT, opened=None)
    for place, home, matter, visit_no, times, outcome in VISITS:
        day, queued, started, finished = times.split()
        hall = place.startswith("HALL")
        refusal = outcome if isinstance(outcome, str) else None
        w.visit(
            channel="hall" if hall else "booth",
            booth=None if hall else place,
            hall=place if hall else None,
            district=PLACES[place],
            home=home,
            item="renewal" if matter.startswith("renewal:") else "process_violations",
            matter=matter,
            visit_no=visit_no,
            queued=f"{day} {queued}",
            started=f"{day} {started}",
            finished=f"{day} {finished}",
            outcome="refused" if refusal else "completed",
            refusal=refusal,
            application=outcome is True,
        )
    yield w
    w.engine.dispose()


def _km(home: str, booth: tuple[float, float]) -> float:
    return rules.km_saved_per_visit(baotou_districts()[home].centroid, booth, HALLS, 1.3)


def test_per_booth_in_november(world: World) -> None:
    with world.session() as s:
        rows = service_kpis(
            s,
            start=date(2026, 11, 1),
            end=date(2026, 11, 30),
            by=["booth"],
            assumptions=ASSUME,
            halls=HALLS,
        )
    assert [r.booth_code for r in rows] == sorted(
        ["BT-A", "BT-B"], key=lambda c: str(world.booth_ids[c])
    )
    a = next(r for r in rows if r.booth_code == "BT-A")
    b = next(r for r in rows if r.booth_code == "BT-B")
    # A: A1..A4 (A5 is October)
    assert (a.visits, a.completed, a.completed_first_visit, a.refused) == (4, 3, 2, 1)
    # first visits A1, A2, A4; completed there: A1, A4 (matter 2 needed a second visit)
    assert a.first_visits == 3 and a.one_visit_rate == pytest.approx(2 / 3)
    assert a.wait_s_avg == pytest.approx((300 + 120 + 600 + 60) / 4)
    assert a.handle_s_avg == pytest.approx((600 + 240 + 600 + 300) / 4)
    assert a.applications == 3
    assert a.booth_days == 3  # 1, 2, 3 November
    assert a.applications_per_booth_hour == pytest.approx(3 / (3 * 12))
    assert a.trips_saved == 4
    assert a.officer_hours_saved == pytest.approx(3 * 13 / 60)
    assert a.km_saved == pytest.approx(
        2 * _km("150203", A_LONLAT) + _km("150207", A_LONLAT), abs=1e-3
    )
    assert a.district_name == "昆都仑区" and a.booth_name
    # B: B1, B2
    assert (b.visits, b.completed, b.completed_first_visit, b.refused) == (2, 1, 1, 1)
    assert b.first_visits == 2 and b.one_visit_rate == 0.5  # B2 refused at its first visit
    assert b.wait_s_avg == pytest.approx(600) and b.handle_s_avg == pytest.approx(930)
    assert b.booth_days == 1 and b.applications_per_booth_hour == pytest.approx(1 / 12)
    assert b.km_saved == pytest.approx(2 * _km("150202", B_LONLAT), abs=1e-3)


def test_per_month_by_the_city_zone_all_channels(world: World) -> None:
    with world.session() as s:
        rows = service_kpis(
            s,
            start=date(2026, 10, 1),
            end=date(2026, 11, 30),
            by=["month"],
            channel=None,
            assumptions=ASSUME,
            halls=HALLS,
        )
    assert [(r.month, r.visits, r.completed) for r in rows] == [
        ("2026-10", 1, 1),  # A5
        ("2026-11", 7, 5),  # A1-A4, B1, B2, H1; completed A1 A3 A4 B1 H1
    ]
    nov = rows[1]
    assert nov.trips_saved == 6  # booth visits only
    # first visits A1 A2 A4 B1 B2 H1; completed there A1 A4 B1 H1
    assert nov.completed_first_visit == 4 and nov.one_visit_rate == pytest.approx(4 / 6)


def test_per_district_and_item_and_the_empty_group(world: World) -> None:
    with world.session() as s:
        rows = service_kpis(
            s,
            start=date(2026, 11, 1),
            end=date(2026, 11, 30),
            by=["district", "service_item"],
            assumptions=ASSUME,
            halls=HALLS,
        )
        everything = service_kpis(
            s,
            start=date(2026, 11, 1),
            end=date(2026, 11, 30),
            by=[],
            assumptions=ASSUME,
            halls=HALLS,
        )
        none = service_kpis(s, start=date(2025, 1, 1), end=date(2025, 1, 31), by=["booth"])
    got = {(r.district_code, r.service_item): (r.visits, r.completed) for r in rows}
    assert got == {
        ("150203", "process_violations"): (3, 2),
        ("150203", "renewal"): (1, 1),
        ("150202", "renewal"): (2, 1),
    }
    assert len(everything) == 1 and everything[0].visits == 6 and everything[0].booth_days == 4
    assert none == []
    with pytest.raises(ValueError):
        service_kpis(s, start=date(2026, 11, 1), end=date(2026, 11, 30), by=["planet"])


def test_refusals_by_reason(world: World) -> None:
    with world.session() as s:
        total = refusals_by_reason(s, start=date(2026, 11, 1), end=date(2026, 11, 30))
        per_booth = refusals_by_reason(
            s, start=date(2026, 11, 1), end=date(2026, 11, 30), by=["booth"]
        )
    assert sorted((r.refusal_code, r.refusals) for r in total) == [
        ("documents.expired", 1),
        ("identity.mismatch", 1),
    ]
    assert {(r.booth_id, r.refusal_code) for r in per_booth} == {
        (world.booth_ids["BT-A"], "identity.mismatch"),
        (world.booth_ids["BT-B"], "documents.expired"),
    }


def test_district_month_counts_by_home_district(world: World) -> None:
    with world.session() as s:
        rows = district_month_counts(s, start=date(2026, 10, 1), end=date(2026, 11, 30))
    got = {
        (r.district_code, r.month): (
            r.hall_visits,
            r.booth_visits,
            r.completed,
            r.completed_first_visit,
        )
        for r in rows
    }
    assert got == {
        ("150203", "2026-10"): (0, 1, 1, 1),  # A5
        ("150203", "2026-11"): (1, 3, 3, 3),  # A1, A2, A4 (no home: served), H1
        ("150207", "2026-11"): (0, 1, 1, 0),  # A3
        ("150202", "2026-11"): (0, 2, 1, 1),  # B1, B2
    }
    # A4 has no home district: counted where it was served
    assert sum(r.visits for r in rows) == 8 and ("150203", "2026-11") in got


def test_before_and_after_a_booth_opened(database_url: str) -> None:
    w = open_world(database_url)
    try:
        w.booth("BT-A", "150203", *A_LONLAT, opened=date(2026, 11, 10))
        # hall visits of 150203 residents: Aug 2, Sep 4, Oct 3 | Nov (opening) 5 | Dec 1, Jan 1
        for month, n in (
            ("2026-08", 2),
            ("2026-09", 4),
            ("2026-10", 3),
            ("2026-11", 5),
            ("2026-12", 1),
            ("2027-01", 1),
        ):
            for i in range(n):
                w.visit(
                    channel="hall",
                    hall="HALL-KDL",
                    district="150203",
                    home="150203",
                    matter=f"m:{month}:{i}",
                    queued=f"{month}-05 09:00",
                    started=f"{month}-05 09:10",
                    finished=f"{month}-05 09:20",
                )
        w.visit(
            booth="BT-A",
            district="150203",
            home="150203",
            matter="m:booth",
            queued="2026-12-03 09:00",
            started="2026-12-03 09:02",
            finished="2026-12-03 09:05",
        )
        with w.session() as s:
            (ba,) = before_after(s, window_months=3)
    finally:
        w.engine.dispose()
    assert ba.booth_code == "BT-A" and ba.opened_on == date(2026, 11, 10)
    assert (ba.months_before, ba.months_after) == (3, 2)
    assert ba.hall_visits_before == pytest.approx(3.0)  # (2+4+3)/3
    assert ba.hall_visits_after == pytest.approx(1.0)  # (1+1)/2
    assert ba.booth_visits_after == pytest.approx(0.5)
    assert ba.wait_s_before == pytest.approx(600) and ba.wait_s_after == pytest.approx(
        (600 * 2 + 120) / 3
    )


def test_refusal_labels_are_the_rules_own_words(world: World) -> None:
    """The refusals table names each reason in the rules' zh-CN words, read from a refused
    application that carries the code; a code with no application stays as it is."""
    with world.uow() as uow:
        app = Application(
            receipt_no="R-TEST-LABEL",
            service_item="renewal",
            state="refused",
            citizen_id=world.citizen_id,
            booth_id=world.booth_ids["BT-A"],
            created_at=at("2026-11-20 10:00"),
            updated_at=at("2026-11-20 10:05"),
            reasons=[
                {"code": "other.first", "message": "先前的原因", "legal_basis": []},
                {
                    "code": "licence.suspended",
                    "message": "驾驶证被暂扣，不能换证",
                    "legal_basis": [],
                },
            ],
        )
        uow.session.add(app)
        uow.session.flush()
        uow.session.execute(
            update(service_visits)
            .where(service_visits.c.refusal_code == "documents.expired")
            .values(refusal_code="licence.suspended", application_id=app.id)
        )
    with world.session() as s:
        labels = refusal_labels(s, ["licence.suspended", "identity.mismatch", "unknown"])
    assert labels == {
        "licence.suspended": "驾驶证被暂扣，不能换证",
        "identity.mismatch": "identity.mismatch",
        "unknown": "未注明",
    }
