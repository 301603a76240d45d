"""The API documentation pages work without internet: /docs (Swagger UI) and /redoc render
in a real browser (system Chromium) that may reach nothing but this server."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.sync_api import Page, Route, expect, sync_playwright

from gangting.config import Settings
from gangting.context import build_context
from gangting.web.app import create_app
from tests.kiosk.stack import CHROMIUM_ARGS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def centre_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    var = tmp_path_factory.mktemp("docs")
    ctx = build_context(Settings(database_url=f"sqlite:///{var / 'centre.db'}", var_dir=var))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    ctx.engine.dispose()


@pytest.fixture(scope="module")
def page(centre_url: str) -> Iterator[tuple[Page, list[str]]]:
    if shutil.which("chromium") is None:
        pytest.skip("system Chromium not installed")
    outside: list[str] = []

    def only_this_server(route: Route) -> None:
        if route.request.url.startswith(centre_url):
            route.continue_()
        else:  # a police private network: anything else is unreachable
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.route("**/*", only_this_server)
        yield context.new_page(), outside
        browser.close()


def test_swagger_ui_renders_from_local_assets(
    page: tuple[Page, list[str]], centre_url: str
) -> None:
    screen, outside = page
    screen.goto(f"{centre_url}/docs")
    expect(screen.locator(".swagger-ui .info .title")).to_contain_text("岗亭 gangting API")
    expect(screen.locator(".opblock").first).to_be_visible()
    assert outside == []


def test_redoc_renders_from_local_assets(page: tuple[Page, list[str]], centre_url: str) -> None:
    screen, outside = page
    screen.goto(f"{centre_url}/redoc")
    expect(screen.locator("h1").first).to_contain_text("岗亭 gangting API", timeout=20_000)
    assert outside == []
