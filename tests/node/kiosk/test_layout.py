"""What the citizen can see and reach on the kiosk screens (issue 9): nothing lies on top of
a control the citizen needs, long screens keep their action in view, texts say each thing
once, and the page asks for nothing the node does not serve."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.node.kiosk.conftest import Stack
from tests.node.kiosk.flows import TIMEOUT_MS, Kiosk, assist_conversation, lock_kiosk, on_top

pytestmark = pytest.mark.kiosk


def test_the_assist_chips_and_text_box_are_reachable_while_the_help_notice_shows(
    kiosk: Kiosk, stack: Stack
) -> None:
    page = kiosk.page
    said = assist_conversation(page)
    try:
        kiosk.act("help")
        expect(page.locator("#notice-text")).to_contain_text("已呼叫工作人员", timeout=TIMEOUT_MS)
        expect(page.locator("#assist-panel")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.locator("#assist-quick button").first).to_be_enabled(timeout=TIMEOUT_MS)
        expect(page.locator("#notice")).to_be_visible()  # the notice stays, beside the panel
        for sel in ("#assist-quick button:first-child", "#assist-quick button:last-child",
                    "#assist-text", '#assist-form button[type="submit"]',
                    '#notice [data-action="dismiss"]'):  # fmt: skip
            assert on_top(page, sel) == "", sel
        # and the citizen answers: a chip, then typed text, both without forcing the tap
        page.locator("#assist-quick button").first.click(timeout=5_000)
        page.locator("#assist-text").fill("身份证放好了")
        page.locator('#assist-form button[type="submit"]').click(timeout=5_000)
        expect(page.locator("#assist-text")).to_have_value("", timeout=TIMEOUT_MS)
        assert said == ["我不会操作", "身份证放好了"]
    finally:
        page.unroute_all(behavior="ignoreErrors")
        page.request.post(f"{stack.node.url}/kiosk/api/finish")


def test_a_review_of_three_violations_keeps_its_action_in_view_and_a_paid_receipt_owes_nothing(
    fresh_kiosk: Callable[[str], Kiosk],
) -> None:
    k = fresh_kiosk("three-violations")
    page = k.page
    k.identify("unprocessed")
    k.choose("violations")
    review = page.locator("#review-content")
    expect(review.locator(".card.decision")).to_have_count(3)
    # a long screen: it scrolls, and its confirm button stays on screen and tappable
    assert page.evaluate("() => document.scrollingElement.scrollHeight") > 1920
    assert on_top(page, "#btn-confirm") == ""
    page.evaluate("() => window.scrollTo(0, document.scrollingElement.scrollHeight / 2)")
    assert on_top(page, "#btn-confirm") == ""
    # a 0-point violation: no empty legal-basis line
    bullets = [t.strip() for t in review.locator(".basis li").all_text_contents()]
    assert bullets and all(bullets), bullets
    k.confirm_to("pay")
    k.tap("#btn-pay")
    k.wait("receipt")
    receipt = page.locator("#receipt-content")
    expect(receipt).to_contain_text("缴款凭证号")
    # every fine is paid: no deadline and no 加处罚款 warning on the receipt
    expect(receipt).not_to_contain_text("加处罚款")
    expect(receipt).not_to_contain_text("日内缴纳")
    k.act("to-rate")
    k.wait("rate")
    # five levels, each on one line ("非常不满意" never breaks as "非常不满/意")
    lines = page.evaluate(
        """() => [...document.querySelectorAll('#level-list .level')].map((b) => {
            const range = document.createRange();
            range.selectNodeContents(b);
            const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
            return [b.textContent, tops.size];
        })"""
    )
    assert [n for _, n in lines] == [1] * 5, lines
    k.tap('[data-level="非常不满意"]')
    k.page.fill("#rate-reason", "测试")
    k.act("rate")
    k.wait("done")


def test_a_refusal_with_several_reasons_says_each_once(kiosk: Kiosk, stack: Stack) -> None:
    page = kiosk.page
    message = "驾驶证被扣留期间不予补领；有未处理完毕的交通违法记录"
    body = {
        "error": "licences.replacement_refused",
        "message": message,
        "data": {
            "reasons": [
                {"code": "licences.detained", "message": "驾驶证被扣留期间不予补领"},
                {"code": "violations.open", "message": "有未处理完毕的交通违法记录。"},
            ]
        },
    }
    page.route("**/kiosk/api/licences/replacement", lambda r: r.fulfill(status=409, json=body))
    try:
        kiosk.identify("learner")
        kiosk.choose("replacement")
        kiosk.tap("#btn-confirm")
        expect(page.locator("#notice-text")).to_have_text(message, timeout=TIMEOUT_MS)
        assert on_top(page, "#btn-confirm") == ""  # the notice is beside the button, not on it
    finally:
        page.unroute_all(behavior="ignoreErrors")
        page.request.post(f"{stack.node.url}/kiosk/api/finish")


def test_a_locked_kiosk_says_so_in_the_header_too(page: Page, stack: Stack) -> None:
    lock_kiosk(page)
    page.goto(stack.node.url + "/")
    expect(page.locator("#mode-locked")).to_be_visible(timeout=TIMEOUT_MS)
    pill = page.locator("#centre-state")
    expect(pill).to_have_text("暂停服务", timeout=TIMEOUT_MS)
    expect(pill).to_have_class(re.compile(r"\bdown\b"))


def test_the_kiosk_serves_its_own_favicon(page: Page, stack: Stack) -> None:
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    page.goto(stack.node.url + "/")
    expect(page.locator('section[data-screen="start"]')).to_be_visible()
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert icon
    for path in (f"/{icon}", "/favicon.ico"):
        r = page.request.get(stack.node.url + path)
        assert r.status == 200 and r.headers["content-type"].startswith("image/"), path
    assert missing == []
