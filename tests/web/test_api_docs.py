"""The API documentation pages work without internet: /docs (Swagger UI) and /redoc render
in a real browser (system Chromium) that may reach nothing but this server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect


@pytest.fixture
def page(browser: Browser, centre_url: str) -> Iterator[tuple[Page, list[str]]]:
    outside: list[str] = []

    def only_this_server(route: Route) -> None:
        if route.request.url.startswith(centre_url):
            route.continue_()
        else:  # a police private network: anything else is unreachable
            outside.append(route.request.url)
            route.abort()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.route("**/*", only_this_server)
    yield context.new_page(), outside
    context.close()


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
    response = screen.goto(f"{centre_url}/redoc")
    assert response is not None
    assert "default-src 'self'" in response.headers["content-security-policy"]
    expect(screen.locator("h1").first).to_contain_text("岗亭 gangting API", timeout=20_000)
    expect(screen.locator("img[alt='redocly logo']")).to_have_count(0)  # its CDN logo: none
    assert outside == []
