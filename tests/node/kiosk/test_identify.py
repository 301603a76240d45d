"""The identify screen: card, look at the camera, turn the head, and a clear result with
what to do next; decided by the node's real face check on the simulator's photos."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.node.kiosk.conftest import Stack
from tests.node.kiosk.flows import TIMEOUT_MS, Kiosk

pytestmark = pytest.mark.kiosk

IDENTIFY_CALLS = [
    "POST /identify/start",
    "POST /identify/look",
    "POST /identify/turn",
    "POST /identify",
]


def _start(k: Kiosk, persona: str, scene: str) -> None:
    k.sim("id-card", {"persona": persona})
    k.sim("face", {"scene": scene})
    k.act("begin")
    k.wait("identify")
    k.act("identify")


def _calls(k: Kiosk) -> list[tuple[str, int]]:
    return [(c["step"], c["status"]) for c in k.metrics()["calls"] if "/identify" in c["step"]]


def test_a_genuine_citizen_goes_through_look_and_turn_to_the_services(
    kiosk: Kiosk, stack: Stack
) -> None:
    person = stack.demo.citizens["learner"]
    before = stack.centre.count(
        "SELECT count(*) FROM identity_tokens t JOIN citizens c ON c.id = t.citizen_id "
        "WHERE c.id_number = ? AND t.liveness_passed AND t.face_distance <= t.face_threshold",
        person["id_number"],
    )
    _start(kiosk, "learner", "genuine")
    kiosk.wait("services")
    assert kiosk.metrics()["identify"] == ["look", "turn", "done"]
    assert _calls(kiosk) == [(c, 200) for c in IDENTIFY_CALLS]
    # while it works, the screen says what it is doing at each stage
    assert kiosk.metrics()["identifyStatus"] == [
        "正在读取身份证…",
        "正在拍摄正面人脸…",
        "正在拍摄转头动作…",
        "正在进行活体检测和人证比对，请稍候…",
        "核验通过，正在查询您的业务信息…",
    ]
    expect(kiosk.page.locator("#identify-status")).to_be_hidden()
    # the centre holds the evidence it was given, not a bare score
    after = stack.centre.count(
        "SELECT count(*) FROM identity_tokens t JOIN citizens c ON c.id = t.citizen_id "
        "WHERE c.id_number = ? AND t.liveness_passed AND t.face_distance <= t.face_threshold",
        person["id_number"],
    )
    assert after == before + 1
    kiosk.page.request.post(f"{stack.node.url}/kiosk/api/finish")


def test_an_impostor_is_refused_with_reasons_and_may_retry(kiosk: Kiosk, stack: Stack) -> None:
    person = stack.demo.citizens["study_onsite"]
    tokens = (
        "SELECT count(*) FROM identity_tokens t JOIN citizens c ON c.id = t.citizen_id "
        "WHERE c.id_number = ?"
    )
    before = stack.centre.count(tokens, person["id_number"])
    page = kiosk.page
    try:
        _start(kiosk, "study_onsite", "impostor")
        result = page.locator("#face-result")
        expect(result).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.locator("#face-result-title")).to_have_text("人脸与身份证照片不一致")
        expect(page.locator("#face-result-advice")).to_contain_text("本人身份证")
        expect(page.locator("#face-result-attempts")).to_have_text("还可重试 2 次（共 3 次）。")
        expect(page.locator("#chk-centre")).to_have_attribute("data-state", "failed")
        expect(page.locator("#chk-turn")).to_have_attribute("data-state", "done")
        expect(page.locator("#btn-identify")).to_contain_text("重新核验")
        kiosk.wait("identify")  # stays on the identify screen
        assert stack.centre.count(tokens, person["id_number"]) == before
        # the real holder steps up: the retry passes
        kiosk.sim("face", {"scene": "genuine"})
        kiosk.act("identify")
        kiosk.wait("services")
        expect(result).to_be_hidden()
        assert stack.centre.count(tokens, person["id_number"]) == before + 1
    finally:
        kiosk.sim("face", {"scene": "genuine"})
        page.request.post(f"{stack.node.url}/kiosk/api/finish")


def test_a_photo_held_still_is_refused_by_the_head_turn(kiosk: Kiosk, stack: Stack) -> None:
    page = kiosk.page
    try:
        _start(kiosk, "inspection_overdue", "still")
        expect(page.locator("#face-result")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.locator("#face-result-title")).to_have_text("转头动作未通过")
        expect(page.locator("#face-result-reasons")).to_have_text("未完成转头动作")
        expect(page.locator("#face-result-advice")).to_contain_text("转头")
        expect(page.locator("#chk-turn")).to_have_attribute("data-state", "failed")
        expect(page.locator("#chk-look")).to_have_attribute("data-state", "done")
        assert _calls(kiosk)[-1] == ("POST /identify", 403)
    finally:
        kiosk.sim("face", {"scene": "genuine"})
        page.request.post(f"{stack.node.url}/kiosk/api/finish")


def test_after_three_failures_the_elder_is_sent_to_a_staffed_window(
    page: Page, fresh_stack: Callable[[str], Stack]
) -> None:
    stack = fresh_stack("face-window")
    spoken: list[str] = []
    page.on(
        "request", lambda r: spoken.append(r.post_data or "") if r.url.endswith("/speak") else None
    )
    k = Kiosk(page, stack.node.url)
    k.open()
    k.act("toggle-elder")
    _start(k, "senior", "no_face")
    title = page.locator("#face-result-title")
    expect(title).to_have_text("未检测到人脸", timeout=TIMEOUT_MS)
    expect(page.locator("#chk-look")).to_have_attribute("data-state", "failed")
    for left in (1, 0):
        k.act("identify")
        attempts = page.locator("#face-result-attempts")
        if left:
            expect(attempts).to_have_text(f"还可重试 {left} 次（共 3 次）。", timeout=TIMEOUT_MS)
    expect(page.locator("#face-result-attempts")).to_contain_text("人工窗口", timeout=TIMEOUT_MS)
    expect(page.locator("#face-result-advice")).to_contain_text("人工窗口")
    expect(page.locator("#btn-identify")).to_be_hidden()
    help_button = page.locator("#btn-identify-help")
    expect(help_button).to_be_visible()
    # elderly mode: big text, big targets, and the result is spoken
    box = help_button.bounding_box()
    assert box is not None and box["height"] >= 64 and box["width"] >= 64
    size = page.evaluate(
        "() => parseFloat(getComputedStyle(document.getElementById('face-result-title')).fontSize)"
    )
    assert size >= 40
    assert any("未检测到人脸" in s and "人工窗口" in s for s in spoken)
    help_button.click()
    expect(page.locator("#notice-text")).to_contain_text("工作人员")
    # a new session does not reset the count: the card is refused at once
    k.act("dismiss")
    k.act("finish")
    k.wait("start")
    k.sim("face", {"scene": "genuine"})
    k.act("begin")
    k.wait("identify")
    k.act("identify")
    expect(title).to_have_text("人脸核验已连续3次未通过", timeout=TIMEOUT_MS)
    expect(page.locator("#chk-card")).to_have_attribute("data-state", "failed")
    problems = page.evaluate(
        """() => [...document.querySelectorAll('main button')].filter((b) => {
          const r = b.getBoundingClientRect();
          return r.width && (r.height < 64 || r.width < 64);
        }).map((b) => b.textContent)"""
    )
    assert problems == []
    # nothing of the face check left on the screen after finishing
    k.act("finish")
    k.wait("start")
    assert page.locator("#face-result").is_hidden()
    assert page.locator("#face-result-title").text_content() == ""
