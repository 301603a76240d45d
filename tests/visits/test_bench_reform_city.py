"""bench/reform_city.py at a small scale on PostgreSQL: it writes the city's visits with COPY
into a database of its own and reports the rows it wrote (the 10 M run is in
docs/benchmarks.md)."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from bench import reform_city
from sqlalchemy.engine import make_url


def test_the_generator_writes_a_small_city(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the generator writes with COPY on PostgreSQL")
    name = f"gangting_bench_{uuid.uuid4().hex[:8]}"
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    admin = make_url(database_url).set(database="postgres", drivername="postgresql")
    admin_url = admin.render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        reform_city.main([url, "--rows", "3000", "--years", "2", "--booths", "12"])
        out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert 2000 < out["rows"] < 4500 and out["booths"] == 12
        assert out["panel_rows"] > 0
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
