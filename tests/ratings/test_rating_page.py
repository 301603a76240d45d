"""The receipt's rating link in a real browser (Playwright + system Chromium, a 390x844
phone): rate good, then answer the optional survey the page offers; a bad rating without a
reason is refused, with one it opens a remedy, and its survey is skipped; a second use of a
link is refused, on the page and by the API behind it. Nothing is loaded
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
from gangting.surveys.models import SurveyAnswer, SurveyResponse
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
        expect(page.locator("#survey")).to_be_visible()
        expect(page.locator("#survey-title")).to_have_text("岗亭服务体验问卷（可选）")
        expect(page.locator(".survey-item")).to_have_count(9)
        _no_sideways_scroll(page)
        _shot(page, shots, "02-rated-good")
        assert _count(api, Rating) == 1

        # 1a. the optional survey: nothing chosen is refused on the page, then three answers
        page.get_by_role("button", name="提交问卷").click()
        expect(page.locator("#survey-error")).to_contain_text("请至少回答一道题目")
        assert _count(api, SurveyResponse) == 0
        chosen = {"conv1": "非常同意", "rel3": "不同意", "tru1": "同意"}
        for item, label in chosen.items():
            page.locator(f'.survey-item[data-item="{item}"]').get_by_text(label, exact=True).click()
        expect(page.locator('.survey-item[data-item="conv1"] input:checked')).to_have_value("5")
        expect(page.locator("#survey-error")).to_be_hidden()
        _no_sideways_scroll(page)
        _shot(page, shots, "02a-survey-filled")
        page.get_by_role("button", name="提交问卷").click()
        expect(page.locator("#finished-text")).to_contain_text("问卷已提交")
        expect(page.locator("#finished-text")).to_contain_text("共回答 3 题")
        expect(page.locator("#survey")).to_be_hidden()
        _shot(page, shots, "02b-survey-answered")
        assert _count(api, SurveyResponse) == 1 and _count(api, SurveyAnswer) == 3

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
        expect(page.locator("#survey")).to_be_visible()
        _shot(page, shots, "04-bad-with-reason")
        assert _count(api, Rating) == 2 and _count(api, BadReviewRemedy) == 1

        # 2a. its survey is skipped: the page ends, nothing is recorded
        page.get_by_role("button", name="跳过").click()
        expect(page.locator("#survey")).to_be_hidden()
        expect(page.locator("#finished-text")).to_contain_text("评价已完成")
        _shot(page, shots, "04a-survey-skipped")
        assert _count(api, SurveyResponse) == 1

        # 3. second use: the used link's page says so (its survey answered: none offered) ...
        with page.expect_response(lambda r: "/api/v1/public/surveys/" in r.url) as asked:
            response = page.goto(f"{url}/r/{tokens[0][1]}")
        assert response is not None and response.status == 409
        assert asked.value.json()["state"] == "answered"
        expect(page.locator("h1")).to_have_text("该评价链接已使用")
        expect(page.locator(".code")).to_contain_text("ratings.link_used")
        expect(page.locator("#survey")).to_be_hidden()
        _shot(page, shots, "05-second-use-refused")

        # ... and a used link whose survey was skipped still offers it
        response = page.goto(f"{url}/r/{tokens[1][1]}")
        assert response is not None and response.status == 409
        expect(page.locator("#survey")).to_be_visible()
        expect(page.locator(".survey-item")).to_have_count(9)
        _no_sideways_scroll(page)
        _shot(page, shots, "05a-used-link-offers-the-survey")

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
