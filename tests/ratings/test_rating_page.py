"""The receipt's rating link in a real browser (Playwright + system Chromium, a 390x844
phone): rate good; a bad rating without a reason is refused, with one it opens a remedy; a
second use of a link is refused, on the page and by the API behind it. Nothing is loaded
from elsewhere and nothing scrolls sideways. Screenshots go to docs/screens/rating-link/ with
GANGTING_WRITE_SCREENS=1 (else to a temporary folder):

    GANGTING_WRITE_SCREENS=1 .venv/bin/pytest tests/ratings/test_rating_page.py
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from gangting.app import create_app
from gangting.ratings.models import BadReviewRemedy, Rating
from tests.app_server import serving
from tests.desks.conftest import Api
from tests.ratings.helpers import application, booth_actor, link, rate_kiosk

PHONE = {"width": 390, "height": 844}
OUT = Path(__file__).resolve().parents[2] / "docs" / "screens" / "rating-link"


def _count(api: Api, model: Any) -> int:
    with api.ctx.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def _shot(page: Page, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_citizen_rates_from_the_receipts_link_on_a_phone(
    api: Api, world: dict[str, Any], browser: Browser, tmp_path: Path
) -> None:
    shots = OUT if os.environ.get("GANGTING_WRITE_SCREENS") == "1" else tmp_path / "screens"
    actor = booth_actor(api)
    tokens = []
    for _ in range(3):
        receipt = application(api, actor, world["driver_id"])
        token = link(api, actor, receipt)
        assert token is not None
        tokens.append((receipt, token))
    outside: list[str] = []
    with serving(create_app(api.ctx)) as url:
        context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
        page = context.new_page()
        page.on(
            "request",
            lambda r: outside.append(r.url) if not r.url.startswith((url, "data:")) else None,
        )

        # 1. rate good
        page.goto(f"{url}/r/{tokens[0][1]}")
        expect(page.locator("h1").first).to_have_text("请为本次服务评价")
        expect(page.locator("#service")).to_contain_text("交通违法处理")
        expect(page.locator(".level")).to_have_count(5)
        _no_sideways_scroll(page)
        _shot(page, shots, "01-page")
        page.get_by_text("非常满意").click()
        expect(page.locator("#reason-box")).to_be_hidden()
        page.get_by_role("button", name="提交评价").click()
        expect(page.locator("#done")).to_be_visible()
        expect(page.locator("#done-text")).to_contain_text("非常满意")
        _shot(page, shots, "02-rated-good")
        assert _count(api, Rating) == 1

        # 2. a bad rating without a reason is refused; with one it opens a remedy
        page.goto(f"{url}/r/{tokens[1][1]}")
        page.get_by_text("非常不满意").click()
        expect(page.locator("#reason-box")).to_be_visible()
        page.get_by_role("button", name="提交评价").click()
        expect(page.locator("#error")).to_contain_text("请说明原因")
        assert page.locator("#error").get_attribute("data-code") == "ratings.reason_required"
        _shot(page, shots, "03-bad-without-reason-refused")
        assert _count(api, Rating) == 1
        page.locator("#reason").fill("等候时间太长，工作人员未及时引导")
        page.get_by_role("button", name="提交评价").click()
        expect(page.locator("#done-text")).to_contain_text("前与您联系核实")
        _shot(page, shots, "04-bad-with-reason")
        assert _count(api, Rating) == 2 and _count(api, BadReviewRemedy) == 1

        # 3. second use: the used link's page says so ...
        response = page.goto(f"{url}/r/{tokens[0][1]}")
        assert response is not None and response.status == 409
        expect(page.locator("h1")).to_have_text("该评价链接已使用")
        expect(page.locator(".code")).to_contain_text("ratings.link_used")
        _shot(page, shots, "05-second-use-refused")

        # ... and a page opened before the application was rated elsewhere refuses on submit
        page.goto(f"{url}/r/{tokens[2][1]}")
        rate_kiosk(api, actor, tokens[2][0], 4)
        page.get_by_text("满意", exact=True).click()
        page.get_by_role("button", name="提交评价").click()
        expect(page.locator("#error")).to_contain_text("只能评价一次")
        expect(page.get_by_role("button", name="提交评价")).to_be_disabled()
        _shot(page, shots, "06-already-rated-refused")
        assert _count(api, Rating) == 3
        context.close()
    assert outside == []
