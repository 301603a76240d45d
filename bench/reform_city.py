"""A multi-year city of service visits for the reform's evaluation at scale (issue 13).

    .venv/bin/python -m bench.reform_city gangting_reform --rows 10000000 --years 5

The first argument is a PostgreSQL database: a bare name (on
postgresql+psycopg://postgres@127.0.0.1:5432, created when missing) or a full URL. The
database is migrated; it must have no service visits yet. Writes the org tree and 60 booths
with their staggered openings (seed.visits.booth_openings), then ``--rows`` service visits
(about: the volume is set from the expected visits per matter) from the seed's generator
with its built-in effect, month by month with COPY, and prints rows per second; then times
the district-month panel (gangting.visits.panel) over the whole history.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, date, datetime

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from gangting import all_models as m
from gangting.kernel.calendar import add_years
from gangting.kernel.db import make_engine
from gangting.migrate import upgrade
from gangting.seed.bulk import BulkWriter
from gangting.seed.org import plan_org
from gangting.seed.places import DISTRICTS
from gangting.seed.visits import (
    BASE_MATTERS_PER_10K_MONTH,
    BASE_ONE_VISIT_RATE,
    DEMAND_TREND_PER_MONTH,
    ONE_VISIT_TREND_PER_MONTH,
    VISIT_COLUMNS,
    SeedBooth,
    VisitHistory,
    booth_openings,
)
from gangting.visits.panel import district_month_panel

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def database_url(name_or_url: str) -> str:
    """A bare name becomes a database on the local server, created when missing."""
    if "://" in name_or_url:
        return name_or_url
    if not name_or_url.replace("_", "").isalnum():
        raise SystemExit(f"bad database name {name_or_url!r}")
    admin = make_url(ADMIN_URL)
    with psycopg.connect(
        host=admin.host, port=admin.port, user=admin.username, dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name_or_url,)
        ).fetchone()
        if exists is None:
            conn.execute(f'CREATE DATABASE "{name_or_url}"')
    return admin.set(database=name_or_url).render_as_string(hide_password=False)


def scale_for(rows: int, months: int) -> float:
    """The generator's scale that gives about ``rows`` visits over ``months``."""
    matters = BASE_MATTERS_PER_10K_MONTH * sum(d.population_10k for d in DISTRICTS)
    growth = ((1 + DEMAND_TREND_PER_MONTH) ** months - 1) / (DEMAND_TREND_PER_MONTH * months)
    p_mean = BASE_ONE_VISIT_RATE + ONE_VISIT_TREND_PER_MONTH * months / 2 + 0.03
    return rows / (matters * months * growth * (2 - p_mean))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", help="PostgreSQL database name or URL")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--booths", type=int, default=60)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--today", default="2026-12-06")
    args = parser.parse_args(argv)
    url = database_url(args.database)
    engine = make_engine(url)
    if engine.dialect.name != "postgresql":
        raise SystemExit("reform_city writes with COPY: give it a PostgreSQL database")
    upgrade(engine)
    with Session(engine) as s:
        if s.scalar(select(func.count()).select_from(m.ServiceVisit)):
            raise SystemExit("the database already has service visits; use an empty one")
    today = date.fromisoformat(args.today)
    start = add_years(today, -args.years)
    rng = random.Random(args.seed)
    plan = plan_org(rng, args.booths, demo_secrets=False)
    for booth in plan.booths:
        booth.secret_hash = "!bench: no login"  # argon2 is not what this times
    for person in plan.staff:
        person.password_hash = "!bench: no login"
    openings = booth_openings([(b.id, b.district_code) for b in plan.booths], start, today)
    for booth in plan.booths:
        booth.opened_on = openings[booth.id]
    months = (today.year - start.year) * 12 + today.month - start.month
    scale = scale_for(args.rows, months)
    booths = [SeedBooth(b.id, b.district_code, openings[b.id]) for b in plan.booths]
    history = VisitHistory(rng, start, today, booths, scale=scale)
    written = 0
    t0 = time.perf_counter()
    with BulkWriter(engine) as writer:
        plan.write(writer, datetime.now(UTC))  # no second factor is bound (no demo secrets)
        writer.commit()
        for rows in history.months():
            written += writer.write(m.ServiceVisit, VISIT_COLUMNS, rows)
            writer.commit()
            print(f"\r{written:,} rows", end="", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - t0
    print(file=sys.stderr)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE service_visits")
    t1 = time.perf_counter()
    with Session(engine) as s:
        panel = district_month_panel(s, "one_visit_rate", start, today)
    panel_s = time.perf_counter() - t1
    engine.dispose()
    print(
        json.dumps(
            {
                "rows": written,
                "seconds": round(seconds, 1),
                "rows_per_s": round(written / seconds),
                "months": months,
                "booths": len(plan.booths),
                "scale": round(scale, 3),
                "panel_rows": len(panel),
                "panel_s": round(panel_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
