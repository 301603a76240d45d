"""事故快处 on the kiosk, driven through the real screens (accident.js): the first party
identifies and chooses the business, both answer the 第13–15条 questions, the second party
identifies with ID card and face in the same session, they state the facts, the booth camera
takes a photo, they choose a case of the liability table and both confirm; the agreement is
shown and the receipt printed. The dispute variant ends with the referral number. Shared by
the browser test and the screenshot command."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.node.kiosk.flows import TIMEOUT_MS, Kiosk
from tests.node.kiosk.stack import Demo

FIRST, SECOND = "unprocessed", "study_onsite"  # valid licences, insured and inspected cars


def to_accident(k: Kiosk) -> None:
    """From the services screen (any page of it) to the accident screen."""
    while not k.page.locator('[data-service="accident"]').is_visible():
        k.act("page-next")
    k.tap('[data-service="accident"]')
    k.wait("accident")


def answer_no(k: Kiosk) -> None:
    rows = k.page.locator("[data-acc-question]")
    expect(rows.first).to_be_visible(timeout=TIMEOUT_MS)
    for i in range(rows.count()):
        rows.nth(i).locator('[data-acc-answer="false"]').click()


def second_party(k: Kiosk) -> None:
    k.tap("#acc-next")
    expect(k.page.locator("#acc-identify")).to_be_visible(timeout=TIMEOUT_MS)
    k.shot("accident-second-party")
    k.sim("id-card", {"persona": SECOND})
    k.sim("face", {"scene": "genuine"})
    k.tap("#acc-identify")
    expect(k.page.locator("#acc-open")).to_be_visible(timeout=30_000)


def facts_and_photo(k: Kiosk) -> None:
    k.page.fill("#acc-place", "昆都仑区钢铁大街与友谊大街交叉口")
    for seq, (insurer, policy) in enumerate(
        [
            ("中国人民财产保险股份有限公司", "PDZA2026150200001"),
            ("中国平安财产保险股份有限公司", "ADZA2026150200002"),
        ],
        start=1,
    ):
        k.page.fill(f"#acc-insurer-{seq}", insurer)
        k.page.fill(f"#acc-policy-{seq}", policy)
    k.shot("accident-facts")
    k.tap("#acc-open")
    expect(k.page.locator(".acc-table")).to_be_visible(timeout=TIMEOUT_MS)
    expect(k.page.locator("#acc-to-liability")).to_be_disabled()
    k.tap("#acc-shoot")
    expect(k.page.locator("#acc-photo-list li")).to_have_count(1, timeout=TIMEOUT_MS)
    k.shot("accident-photos")
    k.tap("#acc-to-liability")
    expect(k.page.locator('[data-acc-case="rear_end"]')).to_be_visible(timeout=TIMEOUT_MS)


def quick_accident(k: Kiosk, demo: Demo) -> None:
    k.identify(FIRST)
    to_accident(k)
    answer_no(k)
    k.shot("accident-questions")
    second_party(k)
    facts_and_photo(k)
    k.tap('[data-acc-case="rear_end"]')
    k.tap('[data-acc-actor="2"]')
    expect(k.page.locator(".acc-result")).to_contain_text("第2方：全部责任")
    expect(k.page.locator("#acc-agree")).to_be_disabled()  # both must confirm
    k.page.check("#acc-confirm-1")
    k.page.check("#acc-confirm-2")
    k.shot("accident-liability")
    k.tap("#acc-agree")
    doc = k.page.locator("#acc-document")
    expect(doc).to_contain_text("协议书编号", timeout=TIMEOUT_MS)
    expect(doc).to_contain_text("全部责任")
    k.tap("#acc-print")
    expect(k.page.locator("#acc-print-state")).to_contain_text("已打印", timeout=TIMEOUT_MS)
    k.shot("accident-agreement")
    k.tap('section[data-screen="accident"] [data-action="finish"]')
    k.wait("start")


def quick_accident_dispute(k: Kiosk, demo: Demo) -> None:
    k.identify(FIRST)
    to_accident(k)
    answer_no(k)
    second_party(k)
    facts_and_photo(k)
    k.tap("#acc-dispute")
    k.page.fill("#acc-reason", "双方对是否追尾有争议，对方称我方倒车")
    k.shot("accident-dispute")
    k.tap("#acc-refer")
    expect(k.page.locator("#acc-referral-no")).to_have_text(
        re.compile(r"^ZB\d{8}[0-9A-Z]{8}$"), timeout=TIMEOUT_MS
    )
    k.shot("accident-referred")
    k.tap('section[data-screen="accident"] [data-action="finish"]')
    k.wait("start")


def must_call_police(k: Kiosk) -> None:
    """A yes answer: the screen says call 122, with the article."""
    answer_no(k)
    k.page.locator('[data-acc-question="accidents.injury"] [data-acc-answer="true"]').click()
    k.tap("#acc-next")
    expect(k.page.locator(".acc-police")).to_contain_text("122", timeout=TIMEOUT_MS)
    expect(k.page.locator(".acc-police")).to_contain_text("第13条")
