"""The district-month panel against a small hand-made set of visits (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gangting.booths.models import Booth
from gangting.fines.models import PenaltyDecision
from gangting.kernel.clock import CITY_ZONE, FixedClock
from gangting.kernel.db import make_engine
from gangting.kernel.unit_of_work import UnitOfWork, session_factory
from gangting.staff.models import OrgUnit
from gangting.visits.models import ServiceVisit
from gangting.visits.panel import UnknownOutcome, district_month_panel, period_of
from tests import builders

A, B = "150203", "150205"
JAN, FEB, MAR, APR = (2026 * 12 + m for m in range(4))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    e = make_engine(database_url)
    yield e
    e.dispose()


def _visit(
    session: Session,
    at: datetime,
    *,
    home: str | None,
    served: str,
    channel: str = "hall",
    key: str,
    no: int = 1,
    outcome: str = "completed",
) -> None:
    session.add(
        ServiceVisit(
            channel=channel,
            hall_code="BT-HALL-KDL" if channel == "hall" else None,
            district_code=served,
            home_district_code=home,
            service_item="renewal",
            matter_key=key,
            visit_no=no,
            queued_at=at,
            started_at=at,
            finished_at=at,
            outcome=outcome,
            refusal_code="x.refused" if outcome == "refused" else None,
        )
    )


def _city(engine: Engine) -> None:
    with Session(engine) as s:
        top = OrgUnit(code="BT", name="支队", kind="detachment", parent_id=None, path="/BT/")
        s.add(top)
        s.flush()
        # Two booths of A opened in March and April, B's only after the period.
        opened = [
            ("BT-KDL-001", "a", A, 109.8, date(2026, 3, 15)),
            ("BT-KDL-002", "b", A, 109.8, date(2026, 4, 2)),
            ("BT-SG-001", "c", B, 110.2, date(2026, 6, 1)),
        ]
        s.add_all(
            Booth(
                code=code,
                name=name,
                org_unit_id=top.id,
                district_code=district,
                address=name,
                longitude=longitude,
                latitude=40.6,
                secret_hash="x",
                opened_on=on,
            )
            for code, name, district, longitude, on in opened
        )
        s.flush()

        def utc(year: int, month: int, day: int, hour: int) -> datetime:
            return datetime(year, month, day, hour, tzinfo=UTC)

        # District A: January, two matters; the refused one comes back in February.
        _visit(s, utc(2026, 1, 5, 2), home=A, served=A, key="m1")
        _visit(s, utc(2026, 1, 6, 2), home=A, served=A, key="m2", outcome="refused")
        _visit(s, utc(2026, 2, 3, 2), home=A, served=A, key="m2", no=2)
        # 1 Feb 01:00 in the city (31 Jan in UTC): February's, unknown home -> where served.
        _visit(s, utc(2026, 1, 31, 17), home=None, served=A, key="m3")
        # March and April: one hall matter each, and a booth matter in April.
        _visit(s, utc(2026, 3, 2, 2), home=A, served=A, key="m4", outcome="referred")
        _visit(s, utc(2026, 4, 2, 2), home=A, served=A, key="m5")
        _visit(s, utc(2026, 4, 9, 2), home=A, served=A, channel="booth", key="m6")
        # District B's residents, served at A's hall, in January and March only.
        _visit(s, utc(2026, 1, 7, 2), home=B, served=A, key="m7")
        _visit(s, utc(2026, 3, 7, 2), home=B, served=A, key="m8")
        s.commit()


def _panel(engine: Engine, outcome: str) -> dict[tuple[str, int], tuple[int, float]]:
    with Session(engine) as s:
        rows = district_month_panel(s, outcome, date(2026, 1, 1), date(2026, 4, 30))
    assert all(set(r) == {"unit", "period", "first_treated", "outcome"} for r in rows)
    return {(r["unit"], r["period"]): (r["first_treated"], r["outcome"]) for r in rows}


def test_the_panel_counts_rates_and_first_treated_periods(engine: Engine) -> None:
    _city(engine)
    halls = _panel(engine, "hall_visits")
    march = period_of(date(2026, 3, 1))
    assert halls == {
        (A, JAN): (march, 2.0),
        (A, FEB): (march, 2.0),
        (A, MAR): (march, 1.0),
        (A, APR): (march, 1.0),
        # B's booth opens after the window's end: never treated within it; balanced with 0.
        (B, JAN): (0, 1.0),
        (B, FEB): (0, 0.0),
        (B, MAR): (0, 1.0),
        (B, APR): (0, 0.0),
    }
    rate = _panel(engine, "one_visit_rate")
    # B has months without a first visit: no rate there, so B leaves the rate panel.
    assert rate == {
        (A, JAN): (march, 0.5),
        (A, FEB): (march, 1.0),
        (A, MAR): (march, 0.0),
        (A, APR): (march, 1.0),
    }
    share = _panel(engine, "booth_share")
    assert share[(A, APR)] == (march, 0.5)
    assert _panel(engine, "visits")[(A, APR)] == (march, 2.0)


def test_an_unknown_outcome_is_refused(engine: Engine) -> None:
    with Session(engine) as s, pytest.raises(UnknownOutcome):
        district_month_panel(s, "happiness", date(2026, 1, 1), date(2026, 4, 30))


def test_processing_days_by_the_drivers_district_and_the_month_of_the_violation(
    engine: Engine,
) -> None:
    uow = UnitOfWork(session_factory(engine), FixedClock(datetime(2026, 3, 1, tzinfo=UTC)))
    with uow:
        a = builders.citizen(uow)  # ID number area 150203
        b = builders.citizen(uow, name="张伟", birth=date(1990, 1, 2))
        b.area_code = B
        for person, plate, cases in (
            (a, "蒙B10001", [((1, 10, 23), (1, 20)), ((1, 20, 9), (2, 5)), ((2, 3, 9), (2, 8))]),
            (b, "蒙B10002", [((1, 12, 9), (1, 15))]),
        ):
            car = builders.vehicle(uow, person, plate)
            for (month, day, hour), (d_month, d_day) in cases:
                v = builders.violation(
                    uow, car, now=datetime(2026, month, day, hour, tzinfo=CITY_ZONE), days_ago=0
                )
                uow.session.add(
                    PenaltyDecision(
                        decision_no=f"JD-{v.ref}",
                        violation_id=v.id,
                        citizen_id=person.id,
                        points=6,
                        fine_fen=20000,
                        # 01:00 in the city: the previous day in UTC
                        decided_at=datetime(2026, d_month, d_day, 1, tzinfo=CITY_ZONE),
                        received_on=date(2026, d_month, d_day),
                        due_on=date(2026, d_month, d_day) + timedelta(days=15),
                        state="unpaid",
                        pauses=[],
                        legal_basis=[],
                    )
                )
        uow.session.flush()
    with Session(engine) as s:
        rows = district_month_panel(s, "processing_days", date(2026, 1, 1), date(2026, 2, 28))
    # 2026-01-10 23:00 in the city is the 10th there (the 10th in UTC too), decided the 20th.
    assert [(r["unit"], r["period"], r["outcome"]) for r in rows] == [
        (A, JAN, 13.0),  # (10 + 16) / 2
        (A, FEB, 5.0),
    ]  # B has no February: left out
