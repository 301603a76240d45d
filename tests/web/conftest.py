"""Web-edge tests: a real centre server (uvicorn in a thread, a migrated SQLite with one
staff member, the API documentation for staff only: the default) on a port of the test's
own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gangting.app import create_app
from gangting.config import Settings
from gangting.context import build_context
from tests import builders
from tests.app_server import serving

DOCS_READER = "docs-reader"


@pytest.fixture(scope="package")
def centre_url(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    var = tmp_path_factory.mktemp("docs")
    shutil.copy(sqlite_template, var / "centre.db")
    ctx = build_context(Settings(database_url=f"sqlite:///{var / 'centre.db'}", var_dir=var))
    with ctx.uow() as uow:
        builders.staff(uow, builders.org_unit(uow, "BT", kind="detachment"), DOCS_READER, "officer")
    with serving(create_app(ctx)) as url:
        yield url
    ctx.close()
