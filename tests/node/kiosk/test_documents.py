"""The document camera on the kiosk screens: when the chip cannot be read the card front
is read by OCR and the usual face check follows; a health certificate is photographed
to pre-fill the form, which the citizen confirms."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.node.kiosk.conftest import Stack
from tests.node.kiosk.flows import TIMEOUT_MS, Kiosk, on_top

pytestmark = pytest.mark.kiosk

FALLBACK = "芯片读取失败？请将身份证正面放在拍摄区"
OCR_TOKENS = (
    "SELECT count(*) FROM audit_entries WHERE action = 'identity.verified' "
    "AND json_extract(data, '$.card_source') = 'ocr'"
)


def test_an_unreadable_chip_is_read_from_the_card_front_then_the_face_check_runs(
    kiosk: Kiosk, stack: Stack
) -> None:
    page = kiosk.page
    before = stack.centre.count(OCR_TOKENS)
    try:
        kiosk.sim("id-card", {"persona": "learner", "chip_readable": False})
        kiosk.sim("face", {"scene": "genuine"})
        kiosk.sim("document", {"tray": "id_card"})
        kiosk.act("begin")
        kiosk.wait("identify")
        fallback = page.locator("#btn-doc-card")
        expect(fallback).to_be_hidden()  # the chip is the primary source
        kiosk.act("identify")
        expect(page.locator("#chk-card")).to_have_attribute("data-state", "failed")
        expect(fallback).to_be_visible(timeout=TIMEOUT_MS)
        expect(fallback).to_have_text(FALLBACK)
        box = fallback.bounding_box()
        assert box is not None and box["height"] >= 64
        fallback.click()
        kiosk.wait("services", timeout_ms=30_000)
        calls = [(c["step"], c["status"]) for c in kiosk.metrics()["calls"]]
        assert calls[-5:-1] == [
            ("POST /identify/start", 200),
            ("POST /identify/look", 200),
            ("POST /identify/turn", 200),
            ("POST /identify", 200),
        ]
        assert stack.centre.count(OCR_TOKENS) == before + 1
    finally:
        kiosk.sim("id-card", {"persona": "learner"})
        page.request.post(f"{stack.node.url}/kiosk/api/finish")


def test_a_photographed_health_certificate_fills_the_form(kiosk: Kiosk, stack: Stack) -> None:
    page = kiosk.page
    try:
        kiosk.identify("senior")
        kiosk.choose("health")
        kiosk.sim("document", {"tray": "health_certificate_failed"})
        page.locator("#btn-doc-cert").click()
        result = page.locator("#doc-cert-result")
        expect(result).to_have_attribute("data-ok", "false", timeout=TIMEOUT_MS)
        expect(result).to_contain_text("不合格")
        expect(page.locator("#btn-confirm")).to_be_disabled()  # refused before anything is sent
        kiosk.sim("document", {"tray": "health_certificate"})
        page.locator("#btn-doc-cert").click()
        expect(result).to_have_attribute("data-ok", "true", timeout=TIMEOUT_MS)
        expect(result).to_contain_text("体检结论：合格")
        expect(page.locator("#cert-inst")).to_have_value("包头市中心医院")
        assert page.input_value("#cert-no").startswith("150200")
        kiosk.confirm_to("receipt")
    finally:
        kiosk.sim("document", {"tray": "id_card"})
        page.request.post(f"{stack.node.url}/kiosk/api/finish")


def test_a_renewal_is_finished_on_the_screen_with_a_certificate_laid_on_the_demo_tray(
    fresh_kiosk: Callable[[str], Kiosk],
) -> None:
    k = fresh_kiosk("renewal-tray")
    page = k.page
    k.identify("renewal")
    k.choose("renewal")
    confirm = page.locator("#btn-confirm")
    # sent empty: each problem in the citizen's words beside its field, no field names, and
    # the message does not lie on the confirm button
    page.fill("#cert-no", "")
    page.fill("#cert-inst", "")
    confirm.click(timeout=5_000)
    expect(page.locator("#cert-no-error")).to_contain_text("请填写证明编号")
    expect(page.locator("#cert-inst-error")).to_contain_text("医疗机构")
    expect(page.locator("#cert-no")).to_have_attribute("aria-invalid", "true")
    notice = page.locator("#notice-text")
    expect(notice).to_be_visible()
    screen = page.locator('section[data-screen="review"]').inner_text()
    for raw in ("health_certificate", "certificate_no", "institution", "内容过短"):
        assert raw not in screen and raw not in (notice.text_content() or ""), raw
    assert on_top(page, "#btn-confirm") == ""
    # the demo drawer lays a health certificate of the card's holder on the tray
    page.locator("#sim-toggle").click()
    page.locator("#sim-tray").select_option("health_certificate")
    preview = page.locator("#sim-tray-preview")
    expect(preview).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.getElementById('sim-tray-preview');"
        " return i.complete && i.naturalWidth >= 200; }"
    )
    page.locator("#sim-toggle").click()  # the drawer closes again
    page.evaluate(
        """() => {
        const box = document.getElementById('doc-cert-result');
        window.__certStates = [];
        new MutationObserver(() => window.__certStates.push(box.dataset.ok + ' ' + box.textContent))
          .observe(box, { attributes: true, childList: true, subtree: true, characterData: true });
    }"""
    )
    started = time.monotonic()
    page.locator("#btn-doc-cert").click()
    result = page.locator("#doc-cert-result")
    expect(result).to_have_attribute("data-ok", "true", timeout=30_000)
    read_s = time.monotonic() - started
    states = page.evaluate("() => window.__certStates")
    assert any(s.startswith("busy 正在识别身体条件证明") for s in states), states
    expect(result).to_contain_text("体检结论：合格")
    expect(page.locator("#cert-inst")).to_have_value("包头市中心医院")
    assert page.input_value("#cert-no").startswith("150200")
    # the filled fields lose their problems, and the notice about them goes with the last
    expect(page.locator("#review-content .field-error")).to_have_count(0)
    expect(page.locator("#notice")).to_be_hidden()
    k.confirm_to("receipt")
    receipt = page.locator("#receipt-content")
    expect(receipt).to_contain_text("驾驶证有效期至")
    expect(receipt).to_contain_text("已制发新证，此前的驾驶证作废")
    expect(receipt).not_to_contain_text("证芯编号")
    print(f"health certificate read in {read_s:.1f} s")
