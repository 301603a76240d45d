"""Issue 14's kiosk flows end to end (system Chromium -> booth node -> centre), portrait on the
shared stack and landscape on a fresh one (each flow spends its persona), with the screens'
fit and touch targets checked on the way."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.node.kiosk.conftest import Stack
from tests.node.kiosk.flows import Kiosk
from tests.node.kiosk.more_flows import MORE_FLOWS, page_to, refer

pytestmark = pytest.mark.kiosk

LANDSCAPE = {"width": 1920, "height": 1080}

# The review screen of each new business: controls labelled, targets big, nothing off-screen.
FIT = """() => {
  const out = [];
  if (document.documentElement.scrollWidth > innerWidth) out.push('horizontal overflow');
  for (const b of document.querySelectorAll('main button')) {
    const r = b.getBoundingClientRect();
    if (r.width && (r.height < 64 || r.width < 64)) out.push('small: ' + b.textContent);
  }
  for (const i of document.querySelectorAll('main input, main select, main textarea')) {
    if (!i.labels || !i.labels.length) out.push('unlabelled: ' + (i.id || i.name));
  }
  return out;
}"""


@pytest.mark.parametrize("flow", list(MORE_FLOWS))
def test_each_new_flow_in_portrait(kiosk: Kiosk, stack: Stack, flow: str) -> None:
    MORE_FLOWS[flow](kiosk, stack.demo)
    assert kiosk.metrics()["screens"][-1] == "start"


def test_every_new_flow_in_landscape(browser: Browser, fresh_stack: Callable[[str], Stack]) -> None:
    s = fresh_stack("landscape")
    context = browser.new_context(viewport=LANDSCAPE, locale="zh-CN")
    try:
        k = Kiosk(context.new_page(), s.node.url)
        k.open()
        for flow in MORE_FLOWS.values():
            flow(k, s.demo)
        assert k.metrics()["screens"][-1] == "start"
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [{"width": 1080, "height": 1920}, LANDSCAPE])
def test_new_business_screens_fit_and_have_big_labelled_controls(
    browser: Browser, stack: Stack, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    try:
        k = Kiosk(context.new_page(), stack.node.url)
        k.open()
        k.identify("instalments")
        for service in (
            "deferral",
            "instalments",
            "objection",
            "referral",
            "full_score",
            "review",
            "mark_reissue",
        ):
            k.choose(service)
            expect(k.page.locator("#btn-guide")).to_be_visible()
            assert k.page.evaluate(FIT) == [], service
            k.act("back-services")
            k.wait("services")
        k.page.request.post(f"{stack.node.url}/kiosk/api/finish")
    finally:
        context.close()


def test_a_new_businesss_guide_opens_from_its_screen(kiosk: Kiosk, stack: Stack) -> None:
    kiosk.identify("mark_lost")
    kiosk.choose("objection")
    kiosk.tap("#btn-guide")
    expect(kiosk.page.locator("#guide-title")).to_contain_text("异议", timeout=15_000)
    expect(kiosk.page.locator("#guide-body")).to_contain_text("第5条第3款")
    kiosk.act("guide-close")
    kiosk.page.request.post(f"{stack.node.url}/kiosk/api/finish")


def test_elderly_mode_pages_to_every_new_service(kiosk: Kiosk, stack: Stack) -> None:
    kiosk.act("toggle-elder")
    kiosk.identify("renewal")
    for service in ("deferral", "objection", "review", "mark_reissue"):
        page_to(kiosk, service)
        assert kiosk.page.locator("#service-list .service").count() <= 3
    kiosk.page.request.post(f"{stack.node.url}/kiosk/api/finish")


def _centre_row(stack: Stack, sql: str, *args: Any) -> Any:
    with sqlite3.connect(stack.centre.db_path) as conn:
        return conn.execute(sql, args).fetchone()


def _texts_about(stack: Stack, referral_no: str) -> list[str]:
    """The fake SMS gateway's messages (the centre's var dir) that name ``referral_no``."""
    with sqlite3.connect(stack.centre.var_dir / "fake_sms.db") as conn:
        rows = conn.execute("SELECT text FROM messages WHERE text LIKE ?", (f"%{referral_no}%",))
        return [str(t) for (t,) in rows]


def test_a_refused_renewal_is_referred_and_the_citizen_texted_in_both_modes(
    page: Page, fresh_stack: Callable[[str], Stack]
) -> None:
    """On a stack of its own (the renewal persona not renewed): the certificate's refusal is
    referred; in elderly mode the explanation is read aloud (refer() checks the speaker)."""
    s = fresh_stack("refer")
    k = Kiosk(page, s.node.url)
    k.open()
    numbers = [refer(k, s.demo)]
    k.act("toggle-elder")
    numbers.append(refer(k, s.demo))
    k.act("toggle-elder")
    for no in numbers:
        materials, unit = _centre_row(
            s, "SELECT materials, org_unit_id FROM referrals WHERE referral_no = ?", no
        )
        assert json.loads(materials)["data"]["refusal_codes"][0] == (
            "licences.health_certificate_invalid"
        )
        kind = _centre_row(s, "SELECT kind FROM org_units WHERE id = ?", unit)[0]
        assert kind == "brigade"
        sent = _texts_about(s, no)
        assert len(sent) == 1 and "驾驶证期满换证" in sent[0], sent
