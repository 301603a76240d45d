"""The command-centre screens' login box with the second factor, in a real browser (Playwright +
system Chromium) against a real centre (uvicorn, migrated SQLite): an enrolled supervisor types
user name and password, the server asks for the code (``staff.totp_required``), the box grows a
code field, the code signs them in; the log-out button ends the token on the server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select, update

from gangting.app import create_app
from gangting.config import Settings
from gangting.context import Context, build_context
from gangting.kernel.clock import FixedClock, SystemClock
from gangting.staff import totp
from gangting.staff.models import AccessToken, StaffAccount
from tests import builders
from tests.app_server import serving
from tests.screens_readme import shots_folder

SECRET = totp.new_secret()


@dataclass
class Site:
    url: str
    ctx: Context
    clock: FixedClock


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path) -> Iterator[Site]:
    if shutil.which("chromium") is None:
        pytest.skip("system Chromium not installed")
    db = tmp_path / "centre.db"
    shutil.copy(sqlite_template, db)
    clock = FixedClock(SystemClock().now())
    settings = Settings(
        database_url=f"sqlite:///{db}",
        var_dir=tmp_path,
        live_events=False,
        mqtt_url="mqtt://127.0.0.1:1",
    )
    ctx = build_context(settings, clock=clock)
    with ctx.uow() as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        kdl = builders.org_unit(uow, "KDL", top)
        builders.staff(uow, kdl, "sup-kdl", "supervisor")
        uow.session.execute(
            update(StaffAccount)
            .where(StaffAccount.username == "sup-kdl")
            .values(totp_secret=SECRET, totp_enrolled_at=clock.now())
        )
    try:
        with serving(create_app(ctx)) as url:
            yield Site(url, ctx, clock)
    finally:
        ctx.close()


def tokens(site: Site) -> int:
    with site.ctx.uow() as uow:
        return len(uow.session.execute(select(AccessToken)).all())


@pytest.mark.parametrize("page_path", ["/centre/supervision.html", "/centre/"])
def test_the_login_box_asks_for_the_code_and_logs_out_on_the_server(
    browser: Browser, site: Site, page_path: str
) -> None:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    errors: list[Any] = []
    page.on("pageerror", lambda error: errors.append(error))
    try:
        page.goto(site.url + page_path)
        expect(page.locator("#login")).to_be_visible()
        expect(page.locator("#login-totp")).to_have_count(0)
        page.fill("#login-user", "sup-kdl")
        page.fill("#login-pass", builders.STAFF_PASSWORD)
        page.click("#login-form button[type=submit]")
        expect(page.locator("#login-error")).to_have_text(
            "请输入动态验证码（身份验证器应用中的6位数字）"
        )
        expect(page.locator("#login-totp")).to_be_focused()
        page.fill("#login-totp", totp.code_at(SECRET, site.clock.now()))
        page.click("#login-form button[type=submit]")
        expect(page.locator("#login")).to_be_hidden()
        assert tokens(site) == 1
        page.click("#btn-logout")
        expect(page.locator("#login")).to_be_visible()
        for _ in range(50):
            if tokens(site) == 0:
                break
            page.wait_for_timeout(100)
        assert tokens(site) == 0
        assert errors == []
    finally:
        context.close()


SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screens" / "login"
README_SECTION = """## login — 登录与绑定动态验证码 (`/centre/`, `/centre/supervision.html`)

Made by `tests/staff/test_login_screens.py` (`GANGTING_WRITE_SCREENS=1`).

- [login/bind-second-factor.png](login/bind-second-factor.png) — a supervisor's first
  log-in: the login box turns into the binding step (QR code and secret, shown once), the
  first code signs them in (docs/decisions/0019)."""


@pytest.mark.parametrize("page_path", ["/centre/supervision.html", "/centre/"])
def test_an_unbound_supervisor_binds_the_second_factor_in_the_login_box(
    browser: Browser, site: Site, page_path: str, tmp_path: Path
) -> None:
    with site.ctx.uow() as uow:
        uow.session.execute(update(StaffAccount).values(totp_secret=None, totp_enrolled_at=None))
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    errors: list[Any] = []
    page.on("pageerror", lambda error: errors.append(error))
    try:
        page.goto(site.url + page_path)
        page.fill("#login-user", "sup-kdl")
        page.fill("#login-pass", builders.STAFF_PASSWORD)
        page.click("#login-form button[type=submit]")
        expect(page.locator("#login-bind h3")).to_have_text("首次登录：绑定动态验证码")
        expect(page.locator("#login-error")).to_contain_text("请先绑定动态验证码")
        expect(page.locator("#login-totp")).to_be_focused()
        qr = page.locator("#login-bind-qr")
        assert qr.evaluate("img => img.complete && img.naturalWidth > 100")
        secret = page.locator("#login-bind-secret").inner_text().replace(" ", "")
        if page_path == "/centre/":
            page.locator("#login-form").screenshot(
                path=str(
                    shots_folder("login", SHOTS, README_SECTION, tmp_path)
                    / "bind-second-factor.png"
                )
            )
        # a wrong code is refused and the box stays in the binding step
        wrong = "000000" if totp.code_at(secret, site.clock.now()) != "000000" else "111111"
        page.fill("#login-totp", wrong)
        page.click("#login-form button[type=submit]")
        expect(page.locator("#login-error")).to_contain_text("动态验证码不正确")
        page.fill("#login-totp", totp.code_at(secret, site.clock.now()))
        page.click("#login-form button[type=submit]")
        expect(page.locator("#login")).to_be_hidden()
        with site.ctx.uow() as uow:
            account = uow.session.execute(
                select(StaffAccount).where(StaffAccount.username == "sup-kdl")
            ).scalar_one()
            assert account.totp_secret == secret and account.totp_enrolled_at is not None
            purposes = uow.session.execute(select(AccessToken.purpose)).scalars().all()
        assert purposes == ["session"]  # the enrolment token ended with the binding
        assert errors == []
    finally:
        context.close()
