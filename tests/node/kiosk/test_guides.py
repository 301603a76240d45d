"""The service guide (办事指南) at the kiosk and in public: the kiosk shows a business's guide
before it starts and, after a refusal, the guide with the failed condition marked; elderly
mode reads it aloud; the centre's public pages list every guide and open at a condition.
Portrait and landscape; screenshots under docs/screens/guides with GANGTING_WRITE_SCREENS=1."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from gangting.applications.rules import SERVICE_ZH
from tests.node.kiosk.conftest import Stack
from tests.node.kiosk.flows import TIMEOUT_MS, Kiosk, fill_certificate
from tests.node.kiosk.stack import ROOT

LAYOUTS = {
    "portrait": {"width": 1080, "height": 1920},
    "landscape": {"width": 1920, "height": 1080},
}
FAILED = "licences.renewal_too_early"


def _shots(tmp_path: Path) -> Path:
    return (
        ROOT / "docs" / "screens" / "guides"
        if os.environ.get("GANGTING_WRITE_SCREENS")
        else tmp_path
    )


def _refused_renewal_with_guide(k: Kiosk, shots: Path) -> None:
    """A learner asks to renew: the guide first, then the centre's refusal and its condition
    (screenshots of these steps only: the others are the flows')."""
    page = k.page
    k.identify("learner")
    k.choose("renewal")
    k.shots = shots
    k.act("guide")
    guide = page.locator("#guide")
    expect(guide).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#guide-title")).to_have_text(SERVICE_ZH["renewal"])
    expect(page.locator("#guide-title")).to_be_focused()
    body = page.locator("#guide-body")
    for heading in (
        "谁可以申请",
        "办理条件",
        "申请材料",
        "办理流程",
        "收费标准",
        "办理时限",
        "法律依据",
        "其他办理渠道",
    ):
        expect(body.locator("h3", has_text=heading)).to_have_count(1)
    assert body.locator(".condition").count() >= 5
    assert body.locator(".condition.failed").count() == 0
    k.shot("guide-before")
    k.act("guide-close")
    expect(guide).to_be_hidden()
    fill_certificate(k)
    k.tap("#btn-confirm")
    expect(page.locator("#notice-guide")).to_be_visible(timeout=TIMEOUT_MS)
    k.shot("refused")
    k.act("guide-failed")
    expect(guide).to_be_visible(timeout=TIMEOUT_MS)
    failed = body.locator(".condition.failed")
    expect(failed).to_have_count(1)
    expect(failed).to_have_attribute("data-code", FAILED)
    expect(failed).to_contain_text("未满足")
    expect(failed).to_be_in_viewport()
    k.shot("guide-failed")
    k.act("guide-close")
    page.request.post(f"{k.base_url}/kiosk/api/finish")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_guide_shows_before_a_business_and_marks_the_failed_condition(
    browser: Browser, stack: Stack, layout: str, tmp_path: Path
) -> None:
    context = browser.new_context(viewport=LAYOUTS[layout], locale="zh-CN")
    try:
        k = Kiosk(context.new_page(), stack.node.url, suffix=f"-{layout}")
        k.open()
        _refused_renewal_with_guide(k, _shots(tmp_path))
    finally:
        context.close()


def test_elderly_mode_reads_the_guide_and_the_failed_condition_aloud(
    kiosk: Kiosk, stack: Stack, tmp_path: Path
) -> None:
    spoken: list[str] = []
    kiosk.page.on(
        "request", lambda r: spoken.append(r.post_data or "") if r.url.endswith("/speak") else None
    )
    kiosk.suffix = "-elderly"
    kiosk.act("toggle-elder")
    expect(kiosk.page.locator("body")).to_have_class("elder")
    _refused_renewal_with_guide(kiosk, _shots(tmp_path))
    texts = [json.loads(s)["text"] for s in spoken if s]
    assert any(t.startswith("办事指南") and "办理条件" in t for t in texts), texts
    said = next(t for t in texts if "未满足的条件" in t)
    guide = kiosk.page.request.get(f"{stack.centre.url}/api/v1/guides/renewal").json()
    condition = next(c for c in guide["conditions"] if c["code"] == FAILED)
    assert condition["text"] in said and len(said) <= 300


def test_the_public_pages_list_every_guide_and_open_at_a_condition(
    page: Page, stack: Stack, tmp_path: Path
) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on(
        "request",
        lambda r: problems.append(r.url) if not r.url.startswith(stack.centre.url) else None,
    )
    shots = _shots(tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.goto(stack.centre.url + "/guides/")
    items = page.locator(".guide-item")
    expect(items).to_have_count(len(SERVICE_ZH))
    page.screenshot(path=str(shots / "public-list.png"), full_page=True)
    page.locator(".guide-item > a", has_text=SERVICE_ZH["renewal"]).click()
    expect(page.locator("h1")).to_have_text(SERVICE_ZH["renewal"])
    page.goto(f"{stack.centre.url}/guides/renewal.html#{FAILED}")
    target = page.locator(f'[id="{FAILED}"]')
    expect(target).to_be_in_viewport()
    outline = target.evaluate("(e) => getComputedStyle(e).outlineStyle")
    assert outline == "solid"  # :target marks it
    font = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert font >= 16
    page.screenshot(path=str(shots / "public-renewal-at-condition.png"))
    assert problems == []
