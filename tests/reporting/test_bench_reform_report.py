"""bench/reform_report.py at a small scale on PostgreSQL: it times both formats and the
hand-written ceiling, and the report's aggregates are the ceiling's, row by row."""

from __future__ import annotations

import pytest
from bench import reform_report

from tests.reporting.synthetic import END, START, fill
from tests.reporting.world import open_world


def test_the_benchmark_runs_and_agrees_with_its_ceiling(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the benchmark is about PostgreSQL")
    w = open_world(database_url)
    try:
        visits = fill(w)
    finally:
        w.engine.dispose()
    result = reform_report.run(database_url, START, END)
    assert result["same_aggregates"] is True
    assert result["visits"] == visits
    assert result["html_s"] > 0 and result["pdf_s"] > 0 and result["ceiling_s"] > 0
    assert result["pdf_bytes"] > 10_000 and result["html_bytes"] > 10_000
    assert set(result["html_steps"]) == {
        "aggregates",
        "hall_visits",
        "one_visit_rate",
        "wait_min",
        "processing_days",
        "html",
    }
    assert "pdf" in result["pdf_steps"]
    assert result["ratio_aggregates_to_ceiling"] > 0
