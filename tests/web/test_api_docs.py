"""The API documentation pages work without internet and, outside the demo, only for staff:
/docs (Swagger UI) and /redoc render in a real browser (system Chromium) that may reach
nothing but this server, after a staff login on the page (GANGTING_API_DOCS=staff, the
default)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests import builders
from tests.web.conftest import DOCS_READER


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


def _log_in(screen: Page) -> None:
    form = screen.locator("#docs-login")
    expect(form).to_be_visible()
    expect(form).to_contain_text("仅向已登录的民警开放")
    form.locator("input[name=username]").fill(DOCS_READER)
    form.locator("input[name=password]").fill(builders.STAFF_PASSWORD)
    form.locator("button[type=submit]").click()


def test_swagger_ui_renders_from_local_assets_after_a_staff_login(
    page: tuple[Page, list[str]], centre_url: str
) -> None:
    screen, outside = page
    response = screen.goto(f"{centre_url}/docs")
    assert response is not None
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    expect(screen.locator(".opblock")).to_have_count(0)  # nothing before the login
    _log_in(screen)
    # the log-in, the document and Swagger UI's first render: seconds on a busy machine
    title = screen.locator(".swagger-ui .info .title")
    expect(title).to_contain_text("岗亭 gangting API", timeout=20_000)
    expect(screen.locator(".opblock").first).to_be_visible()
    expect(screen.locator("#docs-login")).to_be_hidden()
    assert outside == []


def test_a_wrong_password_is_told_in_chinese(page: tuple[Page, list[str]], centre_url: str) -> None:
    screen, outside = page
    screen.goto(f"{centre_url}/docs")
    form = screen.locator("#docs-login")
    form.locator("input[name=username]").fill(DOCS_READER)
    form.locator("input[name=password]").fill("not-the-password")
    form.locator("button[type=submit]").click()
    expect(screen.locator("#docs-login-error")).to_contain_text("密码", timeout=20_000)
    expect(screen.locator(".opblock")).to_have_count(0)
    assert outside == []


def test_redoc_renders_from_local_assets_after_a_staff_login(
    page: tuple[Page, list[str]], centre_url: str
) -> None:
    screen, outside = page
    response = screen.goto(f"{centre_url}/redoc")
    assert response is not None
    assert "default-src 'self'" in response.headers["content-security-policy"]
    _log_in(screen)
    expect(screen.locator("h1").first).to_contain_text("岗亭 gangting API", timeout=20_000)
    expect(screen.locator("img[alt='redocly logo']")).to_have_count(0)  # its CDN logo: none
    assert outside == []
