"""The reform-effect report over a city of service visits on PostgreSQL (issue 13 §6).

    .venv/bin/python -m bench.reform_city gangting_reform --rows 10000000 --years 5
    .venv/bin/python -m bench.reform_report gangting_reform

Times, in one run on the same database: the report as HTML (aggregates in SQL, the
difference-in-differences in numpy, the plots, the embedded font subset) and as PDF
(the same plus WeasyPrint), each step as the progress callback reports it; then the same
district x month aggregates as ONE hand-written SQL statement over psycopg (no SQLAlchemy,
no Python per row) as the ceiling, and the ratio of the report's aggregate step to it. The
two answers are compared row by row. Budgets (issue 13): HTML under 10 s, PDF under 30 s on
the 2-core machine at 10 M visits. Prints one JSON line and a short table.

The database argument is a bare name (on postgresql+psycopg://postgres@127.0.0.1:5432) or a
full URL; ``--from``/``--to`` default to the months the visits cover.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from gangting.config import Settings
from gangting.kernel.clock import CITY_ZONE
from gangting.kernel.db import make_engine
from gangting.reporting import service
from gangting.reporting.kpis import district_month_counts
from gangting.reporting.sql import city_range
from gangting.visits.models import ServiceVisit

HTML_BUDGET_S = 10.0
PDF_BUDGET_S = 30.0

# The ceiling: the report's aggregates (kpis.district_month_counts), written by hand.
CEILING_SQL = """
SELECT coalesce(home_district_code, district_code) AS district,
       date_trunc('month', started_at AT TIME ZONE 'Asia/Shanghai') AS month,
       count(*) FILTER (WHERE channel = 'hall') AS hall,
       count(*) FILTER (WHERE channel = 'booth') AS booth,
       count(*) FILTER (WHERE outcome = 'completed') AS completed,
       count(*) FILTER (WHERE visit_no = 1) AS firsts,
       count(*) FILTER (WHERE visit_no = 1 AND outcome = 'completed') AS first_done,
       coalesce(extract(epoch FROM sum(started_at - queued_at)), 0) AS wait_s,
       count(*) AS visits
FROM service_visits
WHERE started_at >= %(lo)s AND started_at < %(hi)s
GROUP BY 1, 2
"""


def database_url(name_or_url: str) -> str:
    if "://" in name_or_url:
        return name_or_url
    if not name_or_url.replace("_", "").isalnum():
        raise SystemExit(f"bad database name {name_or_url!r}")
    base = make_url("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    return base.set(database=name_or_url).render_as_string(hide_password=False)


def plain_url(url: str) -> str:
    """The SQLAlchemy URL as libpq's."""
    u = make_url(url)
    auth = u.username or ""
    if u.password:
        auth += f":{u.password}"
    return f"postgresql://{auth}@{u.host or '127.0.0.1'}:{u.port or 5432}/{u.database}"


def covered_period(url: str) -> tuple[date, date]:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            lo, hi = s.execute(
                select(func.min(ServiceVisit.started_at), func.max(ServiceVisit.started_at))
            ).one()
    finally:
        engine.dispose()
    if lo is None:
        raise SystemExit("no service visits: run bench.reform_city first")
    first = lo.astimezone(CITY_ZONE).date().replace(day=1)
    last = hi.astimezone(CITY_ZONE).date()
    return first, last


def timed_report(url: str, fmt: str, start: date, end: date) -> dict[str, Any]:
    """One report from a fresh engine; the seconds of each progress step."""
    settings = Settings(database_url=url)
    engine = make_engine(url)
    marks: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    try:
        with Session(engine) as s:
            body = service.render(
                s,
                settings,
                "reform",
                fmt,
                start,
                end,
                datetime.now(UTC),
                progress=lambda step: marks.append((step, time.perf_counter())),
            )
    finally:
        engine.dispose()
    total = time.perf_counter() - t0
    steps: dict[str, float] = {}
    last = t0
    for step, at in marks:
        steps[step] = round(at - last, 3)
        last = at
    return {"seconds": round(total, 3), "bytes": len(body), "steps": steps}


def ceiling(url: str, start: date, end: date) -> tuple[float, list[tuple[Any, ...]]]:
    lo, hi = city_range(start, end)
    with psycopg.connect(plain_url(url)) as conn:
        t0 = time.perf_counter()
        rows = conn.execute(CEILING_SQL, {"lo": lo, "hi": hi}).fetchall()
        return time.perf_counter() - t0, rows


def ours(url: str, start: date, end: date) -> tuple[float, list[tuple[Any, ...]]]:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            t0 = time.perf_counter()
            counts = district_month_counts(s, start=start, end=end)
            seconds = time.perf_counter() - t0
    finally:
        engine.dispose()
    return seconds, [
        (
            c.district_code,
            c.month,
            c.hall_visits,
            c.booth_visits,
            c.completed,
            c.first_visits,
            c.completed_first_visit,
            round(c.wait_s_sum, 1),
            c.visits,
        )
        for c in counts
    ]


def run(url: str, start: date, end: date) -> dict[str, Any]:
    # warm the cache the same way for everyone: one pass of the ceiling first
    ceiling(url, start, end)
    html = timed_report(url, "html", start, end)
    pdf = timed_report(url, "pdf", start, end)
    ceiling_s, ceiling_rows = ceiling(url, start, end)
    ours_s, our_rows = ours(url, start, end)
    want = sorted(
        (str(r[0]), f"{r[1]:%Y-%m}", *(int(x) for x in r[2:7]), round(float(r[7]), 1), int(r[8]))
        for r in ceiling_rows
    )
    same = sorted(our_rows) == want
    aggregate_s = html["steps"].get("aggregates", ours_s)
    return {
        "bench": "reform_report",
        "from": start.isoformat(),
        "to": end.isoformat(),
        "visits": sum(r[-1] for r in want),
        "panel_cells": len(want),
        "html_s": html["seconds"],
        "html_bytes": html["bytes"],
        "html_steps": html["steps"],
        "pdf_s": pdf["seconds"],
        "pdf_bytes": pdf["bytes"],
        "pdf_steps": pdf["steps"],
        "aggregates_in_report_s": round(aggregate_s, 3),
        "aggregates_alone_s": round(ours_s, 3),
        "ceiling_s": round(ceiling_s, 3),
        "ratio_aggregates_to_ceiling": round(ours_s / ceiling_s, 2) if ceiling_s else None,
        "ratio_html_to_ceiling": round(html["seconds"] / ceiling_s, 2) if ceiling_s else None,
        "same_aggregates": same,
        "html_within_budget": html["seconds"] < HTML_BUDGET_S,
        "pdf_within_budget": pdf["seconds"] < PDF_BUDGET_S,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", help="PostgreSQL database name or URL")
    parser.add_argument("--from", dest="start", help="YYYY-MM-DD (default: first visit's month)")
    parser.add_argument("--to", dest="end", help="YYYY-MM-DD (default: last visit's day)")
    args = parser.parse_args()
    url = database_url(args.database)
    if make_url(url).get_backend_name() != "postgresql":
        raise SystemExit("this benchmark is about PostgreSQL")
    first, last = covered_period(url)
    start = date.fromisoformat(args.start) if args.start else first
    end = date.fromisoformat(args.end) if args.end else last
    if end < start:
        raise SystemExit("--to before --from")
    result = run(url, start, end)
    print(json.dumps(result, ensure_ascii=False))
    print(
        f"visits {result['visits']:,} | HTML {result['html_s']:.2f} s (budget {HTML_BUDGET_S:g}) "
        f"| PDF {result['pdf_s']:.2f} s (budget {PDF_BUDGET_S:g}) | aggregates "
        f"{result['aggregates_alone_s']:.2f} s vs hand-written SQL {result['ceiling_s']:.2f} s "
        f"= x{result['ratio_aggregates_to_ceiling']} | same answer: {result['same_aggregates']}"
    )


if __name__ == "__main__":
    main()
