"""The document camera on the kiosk screens: when the chip cannot be read the card front
is read by OCR and the usual face check follows; a health certificate is photographed
to pre-fill the form, which the citizen confirms."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.kiosk.conftest import Stack
from tests.kiosk.flows import TIMEOUT_MS, Kiosk

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
        assert calls[-4:-1] == [
            ("POST /identify/start", 200),
            ("POST /identify/look", 200),
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
