"""A real centre for the officers' phone page: the app on a migrated SQLite file, served by
uvicorn in a thread, with a small org tree and three instructions for off-kdl-1 (one of
them already overdue). Used by the browser test and by ``make_screens``."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from gangting.app import create_app
from gangting.config import Settings
from gangting.context import Context, build_context
from gangting.integrations.learning import FakeLearningPlatform
from gangting.integrations.payment import FakePaymentPlatform
from gangting.kernel.clock import FixedClock
from tests import builders
from tests.app_server import serving
from tests.mosquitto import require_mosquitto

PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]


def chromium() -> str | None:
    return shutil.which("chromium")


@dataclass
class Site:
    url: str
    ctx: Context
    clock: FixedClock

    tokens: builders.StaffTokens = field(default_factory=builders.StaffTokens)

    def staff(self, username: str) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=30)

        def post(body: dict[str, str]) -> str:
            r = client.post("/api/v1/auth/staff", json=body)
            r.raise_for_status()
            return str(r.json()["access_token"])

        token = self.tokens.token(username, self.clock.now(), post)
        client.headers["Authorization"] = f"Bearer {token}"
        return client


def _seed(ctx: Context) -> None:
    with ctx.uow() as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        kdl = builders.org_unit(uow, "KDL", top)
        kdl1 = builders.org_unit(uow, "KDL-1", kdl, kind="squadron")
        builders.booth(uow, kdl1, code="BT-KDL-001")
        builders.staff(uow, top, "admin", "admin")
        builders.staff(uow, kdl, "sup-kdl", "supervisor").name = "赵志刚"
        builders.staff(uow, kdl1, "lead-kdl-1", "supervisor")
        builders.staff(uow, kdl1, "off-kdl-1", "officer").name = "王建国"
        builders.staff(uow, kdl1, "off-kdl-2", "officer").name = "李明"


def _issue(client: httpx.Client, body: dict[str, Any], key: str) -> dict[str, Any]:
    r = client.post("/api/v1/staff/instructions", json=body, headers={"Idempotency-Key": key})
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


@contextmanager
def officer_site(
    db_path: Path, var_dir: Path, clock: FixedClock, *, live: bool = False
) -> Iterator[Site]:
    """Serve the app on ``db_path`` (already migrated) until the block ends. ``live``: with
    live events through the test run's own Mosquitto (under a topic prefix of its own);
    otherwise without (the phone falls back to polling)."""
    settings = Settings(
        database_url=f"sqlite:///{db_path}",
        var_dir=var_dir,
        live_events=live,
        mqtt_url=require_mosquitto() if live else "mqtt://127.0.0.1:1",
        live_topic_prefix=f"gangting-test/{uuid.uuid4().hex[:10]}/live",
    )
    ctx = build_context(
        settings,
        clock=clock,
        payments=FakePaymentPlatform(var_dir / "pay.db", clock=clock),
        learning=FakeLearningPlatform(),
    )
    _seed(ctx)
    try:
        with serving(create_app(ctx)) as url:
            site = Site(url, ctx, clock)
            sup = site.staff("sup-kdl")
            # issued 12 minutes ago and never acknowledged: overdue on the phone
            clock.advance(timedelta(minutes=-12))
            _issue(
                sup,
                {
                    "kind": "general",
                    "text": "今晚20时起在钢铁大街沿线开展酒驾夜查，请按时到岗",
                    "targets": {"squadron": "KDL-1"},
                    "acknowledge_within_s": 300,
                    "report_within_s": 7200,
                },
                "seed-general",
            )
            clock.advance(timedelta(minutes=10))
            _issue(
                sup,
                {
                    "kind": "check_booth",
                    "text": "岗亭报机柜门未关闭，请到现场检查并关闭柜门",
                    "booth": "BT-KDL-001",
                    "acknowledge_within_s": 600,
                },
                "seed-booth",
            )
            clock.advance(timedelta(minutes=2))
            _issue(
                sup,
                {
                    "kind": "intercept",
                    "text": (
                        "布控车辆（被盗抢骗）蒙B·12345 白色轿车，沿钢铁大街向北行驶，"
                        "请在民族东路口拦截"
                    ),
                    "plate": "蒙B·12345",
                    "location": "沿钢铁大街向北，预计3分钟到民族东路口",
                    "booth": "BT-KDL-001",
                    "targets": {"squadron": "KDL-1"},
                },
                "seed-intercept",
            )
            sup.close()
            yield site
    finally:
        ctx.close()


def officer_flow(page: Page, site: Site, shots: Path) -> dict[str, Any]:
    """Log in as off-kdl-1, see the list, open the interception, acknowledge, report.
    Screenshots at each step into ``shots``; returns what the browser saw for the caller
    to check (requests, overflow)."""
    shots.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{site.url}/m/")
    expect(page.locator("#h-login")).to_be_visible()
    page.screenshot(path=str(shots / "00-login.png"))
    page.fill("#username", "off-kdl-1")
    page.fill("#password", builders.STAFF_PASSWORD)
    page.click("#btn-login")

    cards = page.locator("#list > li")
    expect(cards).to_have_count(3)
    expect(page.locator("#who")).to_have_text("王建国（off-kdl-1）")
    expect(page.locator("#list-status")).to_contain_text("待办 3 条")
    first = cards.nth(0)
    expect(first).to_contain_text("已超时")  # the overdue one first
    expect(first).to_contain_text("一般指令")
    intercept = page.locator("#list a", has_text="蒙B·12345")
    expect(intercept.locator(".countdown")).to_have_text(re.compile(r"剩余 0[0-3]:\d\d"))
    before = intercept.locator(".countdown").inner_text()
    # the countdown ticks once a second; a loaded machine may delay a tick, so wait for it
    expect(intercept.locator(".countdown")).not_to_have_text(before, timeout=10_000)
    after = intercept.locator(".countdown").inner_text()
    page.screenshot(path=str(shots / "01-list.png"))

    intercept.click()
    expect(page.locator("#h-detail")).to_have_text("蒙B·12345")
    expect(page.locator("#d-kind")).to_have_text("拦截车辆")
    expect(page.locator("#d-facts")).to_contain_text("沿钢铁大街向北")
    expect(page.locator("#d-facts")).to_contain_text("赵志刚")
    expect(page.locator("#ack-box")).to_be_visible()
    expect(page.locator("#d-basis")).to_contain_text("第115条")
    page.screenshot(path=str(shots / "02-detail.png"))

    site.clock.advance(timedelta(seconds=40))
    page.click("#btn-ack")
    expect(page.locator("#toast")).to_have_text("已签收")
    expect(page.locator("#d-state")).to_have_text("已签收 · 我：已签收")
    expect(page.locator("#ack-box")).to_be_hidden()
    expect(page.locator(".deadline").first).to_contain_text("完成")
    page.screenshot(path=str(shots / "03-acknowledge.png"))

    site.clock.advance(timedelta(minutes=8))
    page.locator(".choice", has_text="已拦截").click()
    page.fill("#report-text", "已在钢铁大街与民族东路口拦截，驾驶人及车辆已移交")
    page.fill("#evidence-note", "执法记录仪 DSJ-0231 视频已上传")
    expect(page.locator("#toast")).to_be_hidden(timeout=6000)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "04-report-form.png"), full_page=True)
    page.click("#btn-report")
    expect(page.locator("#my-report")).to_contain_text("已反馈：已拦截")
    expect(page.locator("#d-state")).to_contain_text("已完成")
    expect(page.locator("#report-form")).to_be_hidden()
    page.locator(".trail summary").click()
    expect(page.locator("#d-trail li")).to_have_count(5)
    expect(page.locator("#toast")).to_be_hidden(timeout=6000)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "05-report.png"), full_page=True)

    page.click("#btn-back")
    expect(page.locator("#list > li")).to_have_count(2)  # the interception is done
    overflow = page.evaluate("document.documentElement.scrollWidth")
    return {
        "requests": requests,
        "errors": errors,
        "countdown": (before, after),
        "scroll_width": overflow,
    }
