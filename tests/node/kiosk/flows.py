"""Every citizen flow of the kiosk, driven through the real screens with Playwright.

Shared by the browser tests, the screenshot command and the per-flow measurement, so the
three never drift apart. Each flow starts on the start screen with a demo ID card on the
simulated reader and ends back on the start screen after 'finish'."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, expect

from tests.node.kiosk.stack import Demo

TIMEOUT_MS = 15_000


# Is the element's centre inside the viewport and the element itself what a tap there hits?
ON_TOP = """(sel) => {
  const e = document.querySelector(sel);
  if (!e) return `missing: ${sel}`;
  const r = e.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const out = r.width === 0 || y < 0 || y > innerHeight || x < 0 || x > innerWidth;
  if (out) return `out of view at ${Math.round(y)}`;
  const hit = document.elementFromPoint(x, y);
  if (hit === e || e.contains(hit)) return "";
  return `covered by ${hit ? hit.outerHTML.slice(0, 80) : "nothing"}`;
}"""


def on_top(page: Page, selector: str) -> str:
    """'' when a tap on the element's centre reaches it, else what is wrong."""
    return str(page.evaluate(ON_TOP, selector))


def assist_conversation(page: Page) -> list[str]:
    """The operator's side of remote assist, answered in the page: an active conversation
    with one message from the operator. Returns what the citizen sends, as it is sent."""
    said: list[str] = []
    conversation = {
        "session_id": "as-screen",
        "state": "active",
        "operator": "值班员",
        "messages": [
            {"seq": 1, "sender": "operator", "kind": "text", "text": "您好，请问需要什么帮助？"}
        ],
        "sending": [],
        "hint": None,
        "active": True,
    }

    def relay(route: Route) -> None:
        if route.request.method == "POST":
            said.append(json.loads(route.request.post_data or "{}").get("text", ""))
            route.fulfill(status=202, json={"queued": True})
        else:
            route.fulfill(json=conversation)

    page.route(re.compile(r"/kiosk/api/assist(\?.*)?$"), relay)
    page.route(re.compile(r"/kiosk/api/assist/messages$"), relay)
    return said


def lock_kiosk(page: Page, notice: str = "设备检修，暂停服务") -> None:
    """The kiosk's mode as the centre's lock command leaves it, answered in the page."""
    locked = {"locked": True, "notice": notice, "announcement": None}

    def status(route: Route) -> None:
        answer: dict[str, Any] = route.fetch().json()
        route.fulfill(json={**answer, "mode": {**answer.get("mode", {}), **locked}})

    page.route("**/kiosk/api/mode", lambda r: r.fulfill(json=locked))
    page.route("**/kiosk/api/status", status)


@dataclass
class Kiosk:
    page: Page
    base_url: str
    shots: Path | None = None
    suffix: str = ""
    shot_no: int = 0
    written: list[Path] = field(default_factory=list)

    # -- driving --
    def open(self) -> None:
        self.page.goto(self.base_url + "/")
        self.wait("start")

    def section(self, name: str) -> Any:
        return self.page.locator(f'section[data-screen="{name}"]')

    def wait(self, name: str, timeout_ms: int = TIMEOUT_MS) -> None:
        try:
            expect(self.section(name)).to_be_visible(timeout=timeout_ms)
        except AssertionError:
            notice = self.page.locator("#notice-text").text_content()
            raise AssertionError(f"screen {name!r} not shown; notice: {notice!r}") from None

    def tap(self, selector: str) -> None:
        self.page.locator(selector).locator("visible=true").first.click()

    def act(self, action: str) -> None:
        self.tap(f'[data-action="{action}"]')

    def sim(self, kind: str, body: dict[str, Any]) -> None:
        r = self.page.request.post(f"{self.base_url}/kiosk/api/sim/{kind}", data=body)
        assert r.ok, f"sim/{kind}: {r.status} {r.text()}"

    def metrics(self) -> dict[str, Any]:
        return dict(self.page.evaluate("() => JSON.parse(JSON.stringify(window.__kiosk))"))

    def shot(self, name: str) -> None:
        if self.shots is None:
            return
        self.shot_no += 1
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{self.shot_no:02d}-{name}{self.suffix}.png"
        self.page.wait_for_timeout(150)  # let focus rings and fonts settle
        self.page.screenshot(path=str(path))
        self.written.append(path)

    # -- common steps --
    def identify(self, persona: str, payer: str = "ok") -> None:
        self.sim("id-card", {"persona": persona})
        self.sim("face", {"scene": "genuine"})  # the card holder, who turns when asked
        self.sim("payer", {"outcome": payer})
        self.wait("start")
        self.shot("start")
        self.act("begin")
        self.wait("identify")
        self.shot("identify")
        self.act("identify")
        self.wait("services")
        self.shot("services")

    def choose(self, service: str) -> None:
        self.tap(f'[data-service="{service}"]')
        self.wait("review")
        self.shot("review")

    def confirm_to(self, screen: str) -> None:
        self.tap("#btn-confirm")
        self.wait(screen)
        self.shot(screen)

    def print_and_rate(self, level: str = "非常满意", reason: str = "") -> None:
        self.act("print")
        expect(self.page.locator("#print-state")).to_contain_text("已打印", timeout=TIMEOUT_MS)
        self.act("to-rate")
        self.wait("rate")
        self.tap(f'[data-level="{level}"]')
        if reason:
            self.page.fill("#rate-reason", reason)
        self.shot("rate")
        self.act("rate")
        self.wait("done")
        self.shot("done")

    def finish(self) -> None:
        self.tap('section[data-screen="done"] [data-action="finish"]')
        self.wait("start")


# ---------- the flows ----------


def violations(k: Kiosk, demo: Demo) -> None:
    """违法处理与缴款: identify -> services -> review -> pay -> receipt (5 screens)."""
    k.identify("unprocessed")
    k.choose("violations")
    expect(k.page.locator("#review-content")).to_contain_text("为什么这样处理")
    k.confirm_to("pay")
    k.tap("#btn-pay")
    k.wait("receipt")
    k.shot("receipt")
    expect(k.page.locator("#receipt-content")).to_contain_text("缴款凭证号")
    k.print_and_rate()
    k.finish()


def payment_declined(k: Kiosk, demo: Demo) -> None:
    """Overdue fines with late fees: the payer declines, then pays on the retry."""
    k.identify("overdue_fine", payer="decline")
    k.choose("violations")
    expect(k.page.locator("#review-content")).to_contain_text("加处罚款")
    k.confirm_to("pay")
    k.tap("#btn-pay")
    expect(k.page.locator("#pay-state")).to_have_attribute("data-state", "declined")
    k.shot("pay-declined")
    k.sim("payer", {"outcome": "ok"})
    k.tap("#btn-pay")
    k.wait("receipt")
    k.shot("receipt")
    k.print_and_rate(level="满意")
    k.finish()


def payment_pending(k: Kiosk, demo: Demo, persona: str = "full_score") -> list[str]:
    """The platform's answer is lost (payer outcome 'timeout'): the pay screen says the result
    is being confirmed and polls; the platform confirms the order and the receipt shows.
    The first poll is held back until the pending screen has been checked and shot, so the
    pending state is seen however fast the platform confirms. Returns the pay states seen."""
    k.identify(persona, payer="timeout")
    k.choose("violations")
    k.confirm_to("pay")
    k.page.evaluate(
        """() => {
        const box = document.getElementById('pay-state');
        window.__payStates = [box.dataset.state];
        new MutationObserver(() => window.__payStates.push(box.dataset.state))
          .observe(box, { attributes: true, attributeFilter: ['data-state'] });
    }"""
    )
    held: list[Any] = []
    pattern = "**/kiosk/api/payments/*"

    def hold(route: Any) -> None:
        if route.request.method == "GET":
            held.append(route)
        else:
            route.continue_()

    k.page.route(pattern, hold)
    try:
        k.tap("#btn-pay")
        state = k.page.locator("#pay-state")
        expect(state).to_have_attribute("data-state", "pending", timeout=TIMEOUT_MS)
        expect(state).to_contain_text("确认中")
        expect(k.page.locator("#btn-pay")).to_be_hidden()  # no second charge meanwhile
        k.shot("pay-pending")
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while not held and time.monotonic() < deadline:
            k.page.wait_for_timeout(100)
        assert held, "the kiosk did not poll the pending payment"
    finally:
        for route in held:
            route.continue_()
        k.page.unroute(pattern)
    k.wait("receipt")
    k.shot("receipt")
    expect(k.page.locator("#receipt-content")).to_contain_text("缴款凭证号")
    states = list(k.page.evaluate("() => window.__payStates"))
    k.print_and_rate()
    k.finish()
    return states


def renewal(k: Kiosk, demo: Demo) -> None:
    k.identify("renewal")
    k.choose("renewal")
    fill_certificate(k)
    k.confirm_to("receipt")
    expect(k.page.locator("#receipt-content")).to_contain_text("驾驶证有效期至")
    k.print_and_rate()
    k.finish()


def replacement(k: Kiosk, demo: Demo) -> None:
    k.identify("learner")
    k.choose("replacement")
    k.confirm_to("receipt")
    receipt = k.page.locator("#receipt-content")
    expect(receipt).to_contain_text("已制发新证，此前的驾驶证作废")
    expect(receipt).not_to_contain_text("证芯编号")
    k.print_and_rate(level="基本满意")
    k.finish()


def inspection_mark(k: Kiosk, demo: Demo) -> None:
    k.identify("mark_due")
    k.choose("mark")
    k.confirm_to("receipt")
    expect(k.page.locator("#receipt-content")).to_contain_text("检验有效期至")
    open_e_certificate(k)
    k.print_and_rate()
    k.finish()


def open_e_certificate(k: Kiosk) -> None:
    """电子凭证 on the receipt screen: the e-mark as issued, then closed again."""
    k.act("e-receipt")
    cert = k.page.locator("#ecert")
    expect(cert).to_be_visible()
    expect(k.page.locator("#ecert-title")).to_have_text("机动车检验合格标志（电子）")
    expect(k.page.locator("#ecert-title")).to_be_focused()
    body = k.page.locator("#ecert-body")
    for label in ("标志编号", "号牌号码", "检验有效期至", "发证机关", "受理编号"):
        expect(body).to_contain_text(label)
    expect(body).to_contain_text("同等效力")
    k.shot("e-certificate")
    k.act("ecert-close")
    expect(cert).to_be_hidden()


def study_deduction(k: Kiosk, demo: Demo) -> None:
    person = demo.citizens["study_onsite"]["id_number"]
    k.identify("study_onsite")
    k.choose("study")
    k.page.fill("#study-ref", demo.study_refs[person])
    k.confirm_to("receipt")
    expect(k.page.locator("#receipt-content")).to_contain_text("减免记分")
    k.print_and_rate(level="不满意", reason="等待时间长")
    k.finish()


def health_certificate(k: Kiosk, demo: Demo) -> None:
    k.identify("senior")
    k.choose("health")
    fill_certificate(k)
    k.confirm_to("receipt")
    k.print_and_rate()
    k.finish()


def query(k: Kiosk, demo: Demo) -> None:
    k.identify("inspection_overdue")
    k.choose("query")
    expect(k.page.locator("#review-content")).to_contain_text("驾驶证")
    k.confirm_to("rate")
    k.tap('[data-level="非常满意"]')
    k.act("rate")
    k.wait("done")
    k.shot("done")
    k.finish()


def fill_certificate(k: Kiosk) -> None:
    if not k.page.input_value("#cert-no"):
        # a certificate is used once: a fresh number for every submission
        k.page.fill("#cert-no", f"TJ{time.time_ns() // 1000 % 10**12:012d}")
    if not k.page.input_value("#cert-inst"):
        k.page.fill("#cert-inst", "包头市中心医院")


FLOWS: dict[str, Callable[[Kiosk, Demo], None]] = {
    "violations": violations,
    "payment_declined": payment_declined,
    "renewal": renewal,
    "replacement": replacement,
    "inspection_mark": inspection_mark,
    "study_deduction": study_deduction,
    "health_certificate": health_certificate,
    "query": query,
}
