"""事故快处 on the kiosk end to end (system Chromium -> booth node -> centre), in portrait and
landscape: both parties identified in one session, the agreement issued once and delivered;
a dispute shows the referral number; a yes answer sends them to 122; elderly mode reaches the
flow (its services are paged)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.node.kiosk.accident_flow import (
    FIRST,
    SECOND,
    must_call_police,
    quick_accident,
    quick_accident_dispute,
    to_accident,
)
from tests.node.kiosk.conftest import PORTRAIT, Stack
from tests.node.kiosk.flows import Kiosk
from tests.node.kiosk.test_accessibility import AuditingKiosk

pytestmark = pytest.mark.kiosk
LANDSCAPE = {"width": 1920, "height": 1080}

AGREEMENTS = (
    "SELECT count(*) FROM accident_agreements a JOIN accident_settlements s"
    " ON s.id = a.settlement_id JOIN accident_parties p ON p.settlement_id = s.id"
    " JOIN citizens c ON c.id = p.citizen_id WHERE c.id_number = ? AND p.seq = ?"
)


def _run(browser: Browser, stack: Stack, viewport: dict[str, int], flow: object) -> list[str]:
    """Run ``flow`` in a fresh page of ``viewport``; the screens it went through."""
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    k = Kiosk(context.new_page(), stack.node.url)
    k.open()
    try:
        flow(k, stack.demo)  # type: ignore[operator]
        overflow = k.page.evaluate("() => document.documentElement.scrollWidth > innerWidth")
        assert not overflow
        return list(k.metrics()["screens"])
    finally:
        context.close()


def test_both_parties_settle_at_the_kiosk_in_portrait_and_landscape(
    browser: Browser, stack: Stack
) -> None:
    first = stack.demo.citizens[FIRST]["id_number"]
    second = stack.demo.citizens[SECOND]["id_number"]
    before = stack.centre.count(AGREEMENTS, first, 1)
    for viewport in (PORTRAIT, LANDSCAPE):
        screens = _run(browser, stack, viewport, quick_accident)
        assert "accident:document" in screens and "accident:second" in screens
    assert stack.centre.count(AGREEMENTS, first, 1) == before + 2
    assert stack.centre.count(AGREEMENTS, second, 2) >= 2
    sent = stack.centre.count("SELECT count(*) FROM accident_deliveries WHERE state = 'sent'")
    assert sent >= 8  # two agreements, four recipients each


def test_a_dispute_at_the_kiosk_shows_the_referral_number(browser: Browser, stack: Stack) -> None:
    _run(browser, stack, PORTRAIT, quick_accident_dispute)
    referred = stack.centre.count(
        "SELECT count(*) FROM accident_settlements WHERE state = 'referred'"
        " AND referral_no IS NOT NULL"
    )
    assert referred >= 1


def test_elderly_mode_reaches_the_flow_and_a_yes_answer_means_call_122(
    kiosk: Kiosk, stack: Stack
) -> None:
    kiosk.act("toggle-elder")
    kiosk.identify(FIRST)
    to_accident(kiosk)
    must_call_police(kiosk)
    kiosk.page.request.post(f"{stack.node.url}/kiosk/api/finish")


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_every_accident_screen_is_named_ordered_and_legible(
    browser: Browser, stack: Stack, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    try:
        k = AuditingKiosk(context.new_page(), stack.node.url, suffix=str(viewport["width"]))
        k.problems, k.audited = [], []
        k.open()
        quick_accident(k, stack.demo)
        assert [s for s in k.audited if s.startswith("accident-")] == [
            "accident-questions",
            "accident-second-party",
            "accident-facts",
            "accident-photos",
            "accident-liability",
            "accident-agreement",
        ]
        assert k.problems == [], "\n".join(k.problems)
    finally:
        context.close()
