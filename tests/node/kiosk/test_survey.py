"""The optional survey on the kiosk: offered on the done screen after the rating, every
question skippable, stored on the booth and forwarded to the centre linked to the receipt."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.node.kiosk.conftest import Stack
from tests.node.kiosk.flows import Kiosk


def test_the_survey_after_the_rating_reaches_the_centre_linked_to_the_receipt(
    page: Page, fresh_stack: Callable[[str], Stack], tmp_path: Path
) -> None:
    fresh = fresh_stack("survey")
    kiosk = Kiosk(page, fresh.node.url, shots=tmp_path / "shots")
    kiosk.open()
    kiosk.identify("unprocessed")
    kiosk.choose("violations")
    kiosk.confirm_to("pay")
    kiosk.tap("#btn-pay")
    kiosk.wait("receipt")
    kiosk.print_and_rate()
    expect(kiosk.page.locator("#btn-survey")).to_be_visible()
    kiosk.act("to-survey")
    kiosk.wait("survey")
    items = kiosk.page.locator(".survey-item")
    expect(items).to_have_count(9)
    expect(items.first.locator("legend")).to_contain_text("步骤清楚易懂")
    # nothing chosen: a notice, no sheet
    kiosk.act("survey-submit")
    expect(kiosk.page.locator("#notice-text")).to_contain_text("至少回答一道题目")
    kiosk.act("dismiss")
    kiosk.tap('[data-item="conv1"][data-value="5"]')
    kiosk.tap('[data-item="conv1"][data-value="4"]')  # a change of mind: the last tap counts
    kiosk.tap('[data-item="conv3"][data-value="1"]')
    kiosk.tap('[data-item="tru1"][data-value="4"]')
    expect(kiosk.page.locator('[data-item="conv1"][aria-pressed="true"]')).to_have_text("同意")
    kiosk.shot("survey")
    kiosk.act("survey-submit")
    kiosk.wait("done")
    expect(kiosk.page.locator("#btn-survey")).to_be_hidden()  # asked once
    kiosk.finish()
    expect(kiosk.page.locator("#survey-items")).to_be_empty()

    centre = fresh.centre
    sql = (
        "SELECT count(*) FROM survey_responses r JOIN applications a ON a.id = r.application_id"
        " WHERE r.channel = 'kiosk'"
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and centre.count(sql) == 0:
        time.sleep(0.3)
    assert centre.count(sql) == 1
    answers = centre.count("SELECT count(*) FROM survey_answers")
    assert answers == 3
    assert centre.count("SELECT value FROM survey_answers WHERE item_code = 'conv1'") == 4
    assert centre.count("SELECT value FROM survey_answers WHERE item_code = 'conv3'") == 1
    assert any("survey" in p.name for p in kiosk.written)
