"""The officers' phone page and the staff session (issue 12 §1; docs/decisions/0014, 0019),
in a real browser: the log-out button ends the token on the server at once; a supervisor with
the second factor bound is asked for the code and signs in with it; one not yet bound is sent
to the centre's screen to bind it, and the enrolment token is ended."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select, update

from gangting.kernel.clock import FixedClock
from gangting.staff import totp
from gangting.staff.models import AccessToken, StaffAccount
from tests import builders
from tests.conftest import NOW
from tests.instructions.officer_site import PHONE, Site, chromium, officer_site


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path) -> Iterator[Site]:
    if chromium() is None:
        pytest.skip("system Chromium not installed")
    db = tmp_path / "centre.db"
    shutil.copy(sqlite_template, db)
    with officer_site(db, tmp_path, FixedClock(NOW)) as running:
        yield running


def tokens(site: Site) -> list[str]:
    with site.ctx.uow() as uow:
        return list(uow.session.execute(select(AccessToken.purpose)).scalars())


def wait_for_tokens(site: Site, page: object, count: int) -> None:
    for _ in range(50):
        if len(tokens(site)) == count:
            return
        page.wait_for_timeout(100)  # type: ignore[attr-defined]
    assert len(tokens(site)) == count


def test_log_out_ends_the_token_and_a_bound_supervisor_gives_the_code(
    site: Site, browser: Browser
) -> None:
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    try:
        before = len(tokens(site))  # the fixture's own sessions
        page.goto(f"{site.url}/m/")
        expect(page.locator("#totp-row")).to_be_hidden()
        page.fill("#username", "off-kdl-1")
        page.fill("#password", builders.STAFF_PASSWORD)
        page.click("#btn-login")
        expect(page.locator("#btn-logout")).to_be_visible()
        assert len(tokens(site)) == before + 1
        page.click("#btn-logout")
        wait_for_tokens(site, page, before)

        page.fill("#username", "lead-kdl-1")
        page.fill("#password", builders.STAFF_PASSWORD)
        page.click("#btn-login")
        expect(page.locator("#login-error")).to_contain_text("请输入动态验证码")
        expect(page.locator("#totp-code")).to_be_focused()
        page.fill("#password", builders.STAFF_PASSWORD)
        page.fill("#totp-code", totp.code_at(builders.totp_secret("lead-kdl-1"), site.clock.now()))
        page.click("#btn-login")
        expect(page.locator("#btn-logout")).to_be_visible()
        expect(page.locator("#totp-row")).to_be_hidden()
        assert len(tokens(site)) == before + 1 and set(tokens(site)) == {"session"}
    finally:
        context.close()


def test_an_unbound_supervisor_is_sent_to_the_centre_to_bind(site: Site, browser: Browser) -> None:
    with site.ctx.uow() as uow:
        uow.session.execute(
            update(StaffAccount)
            .where(StaffAccount.username == "lead-kdl-1")
            .values(totp_secret=None, totp_enrolled_at=None)
        )
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    before = len(tokens(site))
    try:
        page.goto(f"{site.url}/m/")
        page.fill("#username", "lead-kdl-1")
        page.fill("#password", builders.STAFF_PASSWORD)
        page.click("#btn-login")
        expect(page.locator("#login-error")).to_contain_text("在指挥中心绑定动态验证码")
        expect(page.locator("#btn-logout")).to_be_hidden()
        wait_for_tokens(site, page, before)  # the enrolment token was ended
    finally:
        context.close()
