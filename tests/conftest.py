"""Test databases: a migrated template per backend, copied fresh for each test.

SQLite always; PostgreSQL when reachable (GANGTING_TEST_PG_URL, default the local
server). With GANGTING_TEST_REQUIRE_PG=1 (CI) an unreachable PostgreSQL fails the run
instead of skipping.

Isolation (issue 12 §8): a test talks only to brokers, servers and databases it started, on
ports it chose. Before any test builds Settings, the shell's GANGTING_* settings are dropped
(only GANGTING_TEST_* stay) and every default address points at ``NO_SERVICE_PORT``, a port
this run holds bound and never listens on, so a connection a test forgot to aim is refused
at once instead of reaching a running demo's broker (127.0.0.1:1884) or centre (8600).
tests/devices/test_isolation.py guards it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy.engine import make_url

from gangting.kernel.clock import FixedClock
from gangting.kernel.db import make_engine
from gangting.migrate import upgrade
from tests.builders import load_catalogue_rows


def _hold_a_port() -> tuple[socket.socket, int]:
    """A port of this run's own: bound, so nothing else takes it, and never listening, so a
    client connecting there is refused at once."""
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    return held, int(held.getsockname()[1])


_HELD_SOCKET, NO_SERVICE_PORT = _hold_a_port()
NO_BROKER_URL = f"mqtt://127.0.0.1:{NO_SERVICE_PORT}"
NO_CENTRE_URL = f"http://127.0.0.1:{NO_SERVICE_PORT}"
_RUN_DIR = tempfile.mkdtemp(prefix="gangting-test-run-")
atexit.register(shutil.rmtree, _RUN_DIR, True)
# The test run's own switches stay: GANGTING_TEST_*, and the screen makers' and the fuzzer's.
_TEST_SWITCHES = ("GANGTING_WRITE_SCREENS", "GANGTING_FUZZ_EXAMPLES")
for _name in [n for n in os.environ if n.startswith("GANGTING_")]:
    if not _name.startswith("GANGTING_TEST_") and _name not in _TEST_SWITCHES:
        del os.environ[_name]
os.environ.update(
    {
        "GANGTING_MQTT_URL": NO_BROKER_URL,
        "GANGTING_CENTRE_URL": NO_CENTRE_URL,
        "GANGTING_VAR_DIR": _RUN_DIR,
        "GANGTING_DATABASE_URL": f"sqlite:///{_RUN_DIR}/unused.db",
    }
)

PG_URL = os.environ.get(
    "GANGTING_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_PG = os.environ.get("GANGTING_TEST_REQUIRE_PG") == "1"
# One template per test run: parallel runs (developers, CI) never drop each other's.
TEMPLATE_DB = f"gangting_test_template_{os.getpid()}"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def pg_admin() -> psycopg.Connection[tuple[object, ...]]:
    url = make_url(PG_URL)
    return psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        dbname=url.database,
        autocommit=True,
        connect_timeout=3,
    )


def _pg_reachable() -> bool:
    try:
        with pg_admin():
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    load_catalogue_rows(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    if not _pg_reachable():
        if REQUIRE_PG:
            pytest.fail("PostgreSQL required (GANGTING_TEST_REQUIRE_PG=1) but unreachable")
        yield None
        return
    with pg_admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {TEMPLATE_DB}")
    url = make_url(PG_URL).set(database=TEMPLATE_DB).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    load_catalogue_rows(engine)
    engine.dispose()
    yield TEMPLATE_DB
    with pg_admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
) -> Iterator[str]:
    if request.param == "sqlite":
        target = tmp_path / "gangting.db"
        shutil.copy(sqlite_template, target)
        yield f"sqlite:///{target}"
        return
    template = request.getfixturevalue("pg_template")
    if template is None:
        pytest.skip("PostgreSQL not reachable")
    name = f"gangting_test_{uuid.uuid4().hex[:12]}"
    with pg_admin() as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with pg_admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless system Chromium for every browser test of the run (Playwright's sync
    API allows one driver per thread, so no module may start its own beside it)."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("system Chromium not installed")
    from playwright.sync_api import sync_playwright

    from tests.node.kiosk.stack import CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
