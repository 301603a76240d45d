"""Web-edge tests: a real centre server (uvicorn in a thread, an empty SQLite) on a port of
the test's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gangting.app import create_app
from gangting.config import Settings
from gangting.context import build_context
from tests.app_server import serving


@pytest.fixture(scope="package")
def centre_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    var = tmp_path_factory.mktemp("docs")
    ctx = build_context(Settings(database_url=f"sqlite:///{var / 'centre.db'}", var_dir=var))
    with serving(create_app(ctx)) as url:
        yield url
    ctx.engine.dispose()
