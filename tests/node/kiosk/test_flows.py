"""Every citizen flow of the kiosk end to end: system Chromium -> booth node -> centre."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.node.kiosk.conftest import PORTRAIT, Stack
from tests.node.kiosk.flows import FLOWS, Kiosk, fill_certificate
from tests.node.kiosk.more_flows import page_to
from tests.node.kiosk.stack import Node

pytestmark = pytest.mark.kiosk

# Screens a citizen sees from identification to the receipt (the budget: 6).
IDENTIFY_TO_RECEIPT = ("identify", "services", "review", "pay", "receipt")


def _no_trace_of(page: Page, *secrets: str) -> None:
    html = page.content()
    for s in secrets:
        assert s not in html, "personal data left on the screen"
    assert page.evaluate("() => localStorage.length + sessionStorage.length") == 0


def test_violation_processing_with_payment_takes_at_most_six_screens(
    kiosk: Kiosk, stack: Stack
) -> None:
    requests: list[str] = []
    kiosk.page.on("request", lambda r: requests.append(r.url))
    person = stack.demo.citizens["unprocessed"]
    FLOWS["violations"](kiosk, stack.demo)
    screens = kiosk.metrics()["screens"]
    path = screens[screens.index("identify") : screens.index("receipt") + 1]
    assert tuple(path) == IDENTIFY_TO_RECEIPT
    assert len(path) <= 6
    _no_trace_of(kiosk.page, person["name"], person["id_number"])
    # all assets and calls are local: nothing leaves the booth's own node
    assert requests and all(u.startswith(stack.node.url) for u in requests)
    decided = stack.centre.count(
        "SELECT count(*) FROM penalty_decisions d JOIN citizens c ON c.id = d.citizen_id "
        "WHERE c.id_number = ? AND d.state = 'paid'",
        person["id_number"],
    )
    assert decided >= 1


def test_payment_declined_then_retried_pays_once(kiosk: Kiosk, stack: Stack) -> None:
    person = stack.demo.citizens["overdue_fine"]
    FLOWS["payment_declined"](kiosk, stack.demo)
    paid = stack.centre.count(
        "SELECT count(*) FROM payments p JOIN citizens c ON c.id = p.citizen_id "
        "WHERE c.id_number = ? AND p.state = 'succeeded'",
        person["id_number"],
    )
    assert paid == 1


@pytest.mark.parametrize(
    "flow",
    ["renewal", "replacement", "inspection_mark", "study_deduction", "health_certificate", "query"],
)
def test_licence_vehicle_points_and_query_flows(kiosk: Kiosk, stack: Stack, flow: str) -> None:
    FLOWS[flow](kiosk, stack.demo)
    assert kiosk.metrics()["screens"][-1] == "start"


def test_late_fee_is_spelled_out_on_the_review(kiosk: Kiosk, stack: Stack) -> None:
    # full_score: a fine decided 50 days ago and never paid -> 20 days late
    kiosk.identify("full_score")
    kiosk.choose("violations")
    text = kiosk.page.locator("#review-content").inner_text()
    assert "逾期" in text and "加处罚款" in text and "合计" in text
    kiosk.page.request.post(f"{stack.node.url}/kiosk/api/finish")


def test_centre_down_mid_flow_says_so_writes_nothing_and_the_outbox_drains(
    kiosk: Kiosk, stack: Stack
) -> None:
    person = stack.demo.citizens["study_online"]
    centre = stack.centre
    ratings_before = centre.count("SELECT count(*) FROM ratings")
    helps_before = centre.count("SELECT count(*) FROM help_calls")
    kiosk.identify("study_online")
    kiosk.choose("study")
    kiosk.page.fill("#study-ref", stack.demo.study_refs[person["id_number"]])
    centre.kill()
    try:
        kiosk.tap("#btn-confirm")
        expect(kiosk.page.locator("#notice-text")).to_have_text("服务暂不可用，请稍后再试")
        kiosk.wait("review")  # stays put: nothing was done
        # help and rating go to the node's outbox while the centre is away
        kiosk.act("dismiss")
        kiosk.tap("#btn-help-top")
        expect(kiosk.page.locator("#notice-text")).to_contain_text("工作人员")
        kiosk.act("dismiss")
    finally:
        centre.start()
    # nothing half-written: no deduction, no application for this citizen
    deductions = centre.count(
        "SELECT count(*) FROM applications a JOIN citizens c ON c.id = a.citizen_id "
        "WHERE c.id_number = ? AND a.service_item = 'study_deduction'",
        person["id_number"],
    )
    assert deductions == 0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if centre.count("SELECT count(*) FROM help_calls") > helps_before:
            break
        time.sleep(0.3)
    time.sleep(1.5)  # a second replay round must not double it
    assert centre.count("SELECT count(*) FROM help_calls") == helps_before + 1
    assert centre.count("SELECT count(*) FROM ratings") == ratings_before
    kiosk.page.request.post(f"{stack.node.url}/kiosk/api/finish")


def test_rating_given_while_the_centre_is_down_is_recorded_exactly_once(
    kiosk: Kiosk, stack: Stack
) -> None:
    centre = stack.centre
    before = centre.count("SELECT count(*) FROM ratings")
    kiosk.identify("inspection_overdue")
    kiosk.choose("query")
    kiosk.confirm_to("rate")
    centre.kill()
    try:
        kiosk.tap('[data-level="非常不满意"]')
        kiosk.act("rate")
        expect(kiosk.page.locator("#notice-text")).to_contain_text("原因")  # reason required
        kiosk.act("dismiss")
        kiosk.page.fill("#rate-reason", "设备故障")
        kiosk.act("rate")
        kiosk.wait("done")
        kiosk.finish()
    finally:
        centre.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and centre.count("SELECT count(*) FROM ratings") == before:
        time.sleep(0.3)
    time.sleep(1.5)
    assert centre.count("SELECT count(*) FROM ratings") == before + 1


def test_idle_timeout_wipes_the_screen_and_the_node_session(browser: Browser, stack: Stack) -> None:
    code, secret = stack.demo.booths[1]
    node = Node(stack.centre, code, secret, stack.root / "idle-node", idle_timeout_s=4)
    node.start()
    context = browser.new_context(viewport=PORTRAIT, locale="zh-CN")
    try:
        k = Kiosk(context.new_page(), node.url)
        k.open()
        person = stack.demo.citizens["renewal"]
        k.identify("renewal")
        expect(k.page.locator("#idle-warning")).to_be_visible(timeout=10_000)
        k.wait("start", timeout_ms=10_000)
        _no_trace_of(k.page, person["name"], person["id_number"], "150")
        r = k.page.request.get(f"{node.url}/kiosk/api/overview")
        assert r.status >= 400  # the node forgot the citizen too
    finally:
        context.close()
        node.stop()


def test_elderly_mode_pages_the_services_and_speaks_each_prompt(kiosk: Kiosk, stack: Stack) -> None:
    spoken: list[str] = []
    kiosk.page.on(
        "request", lambda r: spoken.append(r.post_data or "") if r.url.endswith("/speak") else None
    )
    kiosk.act("toggle-elder")
    expect(kiosk.page.locator("body")).to_have_class("elder")
    size = kiosk.page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 36
    kiosk.identify("senior")
    assert kiosk.page.locator("#service-list .service").count() <= 3
    kiosk.act("page-next")
    page_to(kiosk, "query")
    kiosk.choose("query")
    kiosk.confirm_to("rate")
    kiosk.tap('[data-level="满意"]')
    kiosk.act("rate")
    kiosk.wait("done")
    kiosk.finish()
    assert any("选择业务" in s for s in spoken)
    assert len(spoken) >= 5


def test_targets_are_big_and_every_control_is_labelled(kiosk: Kiosk, stack: Stack) -> None:
    kiosk.identify("renewal")
    kiosk.choose("renewal")
    fill_certificate(kiosk)
    problems = kiosk.page.evaluate(
        """() => {
        const out = [];
        for (const b of document.querySelectorAll('main button, header button')) {
          const r = b.getBoundingClientRect();
          if (r.width && (r.height < 64 || r.width < 64)) out.push('small: ' + b.textContent);
          if (!b.textContent.trim() && !b.getAttribute('aria-label')) out.push('unnamed button');
        }
        for (const i of document.querySelectorAll('main input, main select, main textarea')) {
          if (!i.labels || !i.labels.length) out.push('unlabelled: ' + i.id);
        }
        return out;
    }"""
    )
    assert problems == []
    kiosk.page.request.post(f"{stack.node.url}/kiosk/api/finish")


def test_screens_fit_portrait_and_landscape(browser: Browser, stack: Stack, tmp_path: Path) -> None:
    for viewport in (PORTRAIT, {"width": 1920, "height": 1080}):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        try:
            k = Kiosk(context.new_page(), stack.node.url)
            k.open()
            overflow = k.page.evaluate("() => document.documentElement.scrollWidth > innerWidth")
            assert not overflow
        finally:
            context.close()
