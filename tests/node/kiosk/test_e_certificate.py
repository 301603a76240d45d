"""The electronic certificate (电子凭证) of an inspection mark: the centre's e-mark on screen,
printable on its own, and gone after the citizen finishes."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.node.kiosk.conftest import Stack
from tests.node.kiosk.flows import Kiosk

pytestmark = pytest.mark.kiosk


def test_inspection_mark_e_certificate_shows_the_issued_mark_and_prints_alone(
    page: Page, fresh_stack: Callable[[str], Stack]
) -> None:
    stack = fresh_stack("ecert")
    k = Kiosk(page, stack.node.url)
    k.open()
    k.identify("mark_due")
    k.choose("mark")
    k.confirm_to("receipt")
    k.act("e-receipt")
    cert = page.locator("#ecert")
    expect(cert).to_be_visible()
    expect(cert).to_have_attribute("role", "dialog")
    text = page.locator("#ecert-body").inner_text()
    with sqlite3.connect(stack.centre.db_path) as conn:
        mark_no, data = conn.execute(
            "SELECT mark_no, data FROM inspection_marks ORDER BY issued_at DESC LIMIT 1"
        ).fetchone()
    mark = json.loads(data)
    assert mark["mark_no"] == mark_no and mark_no in text
    assert mark["plate"] in text and mark["issuer"] in text
    year, month = mark["valid_until"].split("-")[:2]
    assert f"{year}年{month}月" in text
    assert mark["legal_note"] in text
    assert re.search(r"受理编号\s*\S+", text)
    assert "小型、微型载客汽车" in text or mark["vehicle_kind"] not in text
    # printable: in print media only the certificate shows, without its buttons
    page.emulate_media(media="print")
    try:
        expect(cert).to_be_visible()
        expect(page.locator("main")).to_be_hidden()
        expect(page.locator("header")).to_be_hidden()
        expect(page.locator('[data-action="ecert-close"]')).to_be_hidden()
    finally:
        page.emulate_media(media="screen")
    k.act("ecert-close")
    expect(cert).to_be_hidden()
    expect(page.locator('section[data-screen="receipt"] [data-action="e-receipt"]')).to_be_focused()
    k.act("to-rate")
    k.tap('[data-level="满意"]')
    k.act("rate")
    k.wait("done")
    k.finish()
    assert mark_no not in page.content()
