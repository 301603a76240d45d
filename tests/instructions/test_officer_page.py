"""The officers' phone page in a real browser (Playwright + system Chromium, 390x844):
log in, the list with deadlines counting down from the centre's clock, one instruction,
签收 and 反馈; nothing is loaded from elsewhere and nothing scrolls sideways."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from gangting.kernel.clock import FixedClock
from tests import builders
from tests.conftest import NOW
from tests.instructions.officer_site import (
    PHONE,
    Site,
    chromium,
    officer_flow,
    officer_site,
)


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path) -> Iterator[Site]:
    if chromium() is None:
        pytest.skip("system Chromium not installed")
    db = tmp_path / "centre.db"
    shutil.copy(sqlite_template, db)
    with officer_site(db, tmp_path, FixedClock(NOW)) as running:
        yield running


def test_an_officer_acknowledges_and_reports_on_a_phone(
    site: Site, browser: Browser, tmp_path: Path
) -> None:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    page = context.new_page()
    try:
        seen = officer_flow(page, site, tmp_path / "shots")
    finally:
        context.close()
    assert all(url.startswith(site.url) for url in seen["requests"]), seen["requests"]
    assert seen["errors"] == []
    before, after = seen["countdown"]
    assert before != after  # the countdown ticks
    assert seen["scroll_width"] <= PHONE["width"]
    names = sorted(p.name for p in (tmp_path / "shots").glob("*.png"))
    assert names == [
        "00-login.png",
        "01-list.png",
        "02-detail.png",
        "03-acknowledge.png",
        "04-report-form.png",
        "05-report.png",
    ]
    # what the phone did is what the centre holds
    sup = site.staff("sup-kdl")
    listed = sup.get("/api/v1/staff/instructions?kind=intercept").json()["instructions"]
    assert (listed[0]["state"], listed[0]["mine"]) == ("completed", None)
    detail = sup.get(f"/api/v1/staff/instructions/{listed[0]['id']}").json()
    (reported,) = [t for t in detail["targets"] if t["state"] == "reported"]
    assert (reported["username"], reported["result"]) == ("off-kdl-1", "intercepted")
    assert reported["evidence_note"] == "执法记录仪 DSJ-0231 视频已上传"
    sup.close()


def test_the_page_and_only_its_files_are_served(site: Site) -> None:
    import httpx

    with httpx.Client(base_url=site.url) as client:
        page = client.get("/m/")
        assert page.status_code == 200 and "民警指令" in page.text
        assert "Content-Security-Policy" in page.text
        assert client.get("/m/officer.js").headers["content-type"].startswith("text/javascript")
        assert client.get("/m", follow_redirects=False).status_code == 307
        missing = client.get("/m/../config.py")
        assert missing.status_code == 404
        assert client.get("/m/officer.py").json()["error"] == "pages.not_found"


def _log_in(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/m/")
    page.fill("#username", "off-kdl-1")
    page.fill("#password", builders.STAFF_PASSWORD)
    page.click("#btn-login")
    expect(page.locator("#list > li")).to_have_count(3)


def test_a_new_instruction_reaches_the_phone_live(
    sqlite_template: Path, tmp_path: Path, browser: Browser
) -> None:
    """Within a few seconds, well before the fallback poll (15 s) would fetch it."""
    if chromium() is None:
        pytest.skip("system Chromium not installed")
    db = tmp_path / "centre.db"
    shutil.copy(sqlite_template, db)
    with officer_site(db, tmp_path, FixedClock(NOW), live=True) as site:
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        try:
            _log_in(page, site)
            expect(page.locator("body")).to_have_attribute("data-live", "on", timeout=10_000)
            expect(page.locator("#list-status")).to_contain_text("实时推送")
            sup = site.staff("sup-kdl")
            r = sup.post(
                "/api/v1/staff/instructions",
                json={
                    "kind": "general",
                    "text": "民族东路口车辆积压，请到场疏导",
                    "targets": {"officers": ["off-kdl-1"]},
                },
                headers={"Idempotency-Key": "live-new"},
            )
            assert r.status_code == 201, r.text
            sup.close()
            expect(page.locator("#list > li")).to_have_count(4, timeout=5_000)
            expect(page.locator("#list")).to_contain_text("民族东路口车辆积压")
        finally:
            context.close()


def test_a_report_without_a_note_shows_no_null(site: Site, browser: Browser) -> None:
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    try:
        _log_in(page, site)
        page.locator("#list a", has_text="岗亭").click()
        expect(page.locator("#report-form")).to_be_visible()
        page.locator("#results .choice").first.click()
        page.click("#btn-report")
        expect(page.locator("#my-report")).to_contain_text("已反馈")
        page.locator(".trail summary").click()
        expect(page.locator("#d-trail")).to_contain_text("反馈")
        assert "null" not in page.locator("main").inner_text()
        page.click("#btn-back")
        expect(page.locator("#list > li")).to_have_count(2)
        assert "null" not in page.locator("main").inner_text()
    finally:
        context.close()
