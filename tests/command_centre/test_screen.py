"""The command-centre screen in a real browser (system Chromium): the map coloured from the
booths' states, live changes through Mosquitto, alerts acknowledged, a hit confirmed and an
instruction issued from it, booth detail with a chart and plate reads, a remote command's
round trip, and remote assist with a kiosk in another page.

Screenshots go to docs/screens/command-centre/ with GANGTING_WRITE_SCREENS=1.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from gangting.approvals.models import Approval
from gangting.booths import service as booths_service
from gangting.command_centre.views import district_map
from gangting.desks import two_keys
from gangting.kernel.clock import SystemClock
from gangting.seed.org import demo_totp_secret
from tests import builders
from tests.command_centre import scenario
from tests.command_centre.browser import (
    Booths,
    Ingest,
    LiveCentre,
    evidence_crop,
    shots_dir,
    sign_in,
)
from tests.mosquitto import require_mosquitto
from tests.node.kiosk.stack import Demo, Node

WALL = {"width": 1920, "height": 1080}
KIOSK = {"width": 1080, "height": 1920}
TIMEOUT_MS = 15_000


@dataclass
class City:
    centre: LiveCentre
    ingest: Ingest
    booths: Booths
    demo: Demo
    root: Path
    shots: Path

    def uow(self):  # type: ignore[no-untyped-def]
        return self.ingest.ctx.uow()


def seed_states(city: City) -> None:
    """DH healthy, KDL with its cabinet door open and a temperature history, QS offline."""
    now = city.ingest.ctx.clock.now()
    new_uow = city.ingest.ctx.uow
    scenario.telemetry(new_uow, "BT-DH-001", "paper", "ok", now)
    for hours, temp in ((5, 18.5), (4, 21.0), (3, 26.5), (2, 31.0), (1, 28.5)):
        scenario.telemetry(
            new_uow, "BT-KDL-001", "temperature_c", temp, now - timedelta(hours=hours)
        )
    scenario.telemetry(new_uow, "BT-KDL-001", "door", "open", now)
    earlier = now - timedelta(minutes=3)
    scenario.read_plate(
        new_uow, "BT-KDL-001", "蒙BA3058", earlier, evidence=evidence_crop("蒙BA3058")
    )
    qs = scenario.booth_actor(new_uow, "BT-QS-001")
    with new_uow() as uow:
        booths_service.record_availability(uow, qs, "offline", "screen-test", "will")


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    if shutil.which("chromium") is None:
        pytest.skip("system Chromium not installed")
    require_mosquitto()
    root = tmp_path_factory.mktemp("centre-screen")
    centre = LiveCentre(root / "centre")
    demo = centre.seed()
    ingest = Ingest.start(centre.settings())
    booths = Booths()
    built = City(centre, ingest, booths, demo, root, shots_dir(root / "shots"))
    built.shots.mkdir(parents=True, exist_ok=True)
    seed_states(built)
    centre.start()
    try:
        yield built
    finally:
        booths.stop()
        centre.stop()
        ingest.stop()


@pytest.fixture(scope="module")
def screen(browser: Browser, city: City) -> Iterator[Page]:
    """The wall screen, logged in as the detachment's admin."""
    context = browser.new_context(viewport=WALL, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{city.centre.url}/centre/")
    sign_in(page, "admin", "Demo-Centre-2026", demo_totp_secret("admin"), SystemClock().now())
    expect(page.locator("#live-state")).to_have_text("实时连接正常", timeout=TIMEOUT_MS)
    yield page
    context.close()


def booth(page: Page, code: str):  # type: ignore[no-untyped-def]
    return page.locator(f'#map .booth[data-code="{code}"]')


def shot(page: Page, city: City, name: str) -> None:
    page.wait_for_timeout(300)  # let the last frame paint
    page.screenshot(path=str(city.shots / f"{name}.png"))


def test_the_map_shows_every_booth_coloured_by_its_state(screen: Page, city: City) -> None:
    expect(booth(screen, "BT-DH-001")).to_have_attribute("data-status", "ok")
    expect(booth(screen, "BT-KDL-001")).to_have_attribute("data-status", "fault")
    expect(booth(screen, "BT-QS-001")).to_have_attribute("data-status", "offline")
    rings = sum(len(d["polygons"]) for d in district_map()["districts"])
    expect(screen.locator("#map path.district")).to_have_count(rings)  # every district drawn
    expect(screen.locator('#legend [data-status="fault"]')).to_contain_text("故障 1")
    expect(screen.locator("#alert-list")).to_contain_text("机柜门未关闭")
    expect(screen.locator("#read-list [data-read] img[src^='data:image/jpeg']")).to_have_count(1)
    shot(screen, city, "01-overview")
    screen.click("#zoom-city")
    shot(screen, city, "02-whole-city")
    screen.click("#zoom-urban")


def test_a_telemetry_fault_through_mosquitto_turns_the_booth_live(screen: Page, city: City) -> None:
    link = city.booths.connect("BT-DH-001")  # availability online, through the broker
    link.publish_telemetry("paper", "out").wait_for_publish(5)
    expect(booth(screen, "BT-DH-001")).to_have_attribute("data-status", "fault", timeout=TIMEOUT_MS)
    assert screen.evaluate("window.__centre.byKind.booth_state") >= 1
    link.publish_telemetry("paper", "ok").wait_for_publish(5)
    expect(booth(screen, "BT-DH-001")).to_have_attribute("data-status", "ok", timeout=TIMEOUT_MS)


def test_an_alert_arrives_live_is_acknowledged_and_closed(screen: Page, city: City) -> None:
    scenario.telemetry(
        city.ingest.ctx.uow, "BT-QS-001", "temperature_c", 65, city.ingest.ctx.clock.now()
    )
    card = screen.locator("#alert-list [data-alert]", has_text="机柜温度过高")
    expect(card).to_have_attribute("data-state", "open", timeout=TIMEOUT_MS)
    card.locator('[data-act="ack-alert"]').click()
    expect(card).to_have_attribute("data-state", "acknowledged", timeout=TIMEOUT_MS)
    expect(card).to_contain_text("已签收")
    expect(card).to_contain_text("责任人 admin")
    card.locator('[data-act="close-alert"]').click()
    card.locator('[data-form-input="close-alert"]').fill("已派员检查空调")
    card.locator('[data-form="close-alert"] button[type=submit]').click()
    expect(card).to_have_count(0, timeout=TIMEOUT_MS)


def test_a_hit_is_confirmed_and_an_instruction_issued_from_it(screen: Page, city: City) -> None:
    new_uow = city.ingest.ctx.uow
    scenario.watch(new_uow, "sup-kdl", "off-kdl-1", "蒙B·7K2M9", city.ingest.ctx.clock)
    scenario.read_plate(
        new_uow, "BT-KDL-001", "蒙B7K2M9", city.ingest.ctx.clock.now(), evidence=evidence_crop()
    )
    card = screen.locator('#alert-list [data-kind="hit"]', has_text="蒙B·7K2M9")
    expect(card.locator("img[src^='data:image/jpeg']")).to_be_visible(timeout=TIMEOUT_MS)
    expect(card.locator('[data-act="issue-from-hit"]')).to_have_count(
        0
    )  # not before a person confirms
    shot(screen, city, "03-hit-to-confirm")
    card.locator('[data-act="confirm-hit"]').click()
    expect(card.locator("[data-hit-state]")).to_have_attribute(
        "data-hit-state", "confirmed", timeout=TIMEOUT_MS
    )
    card.locator('[data-act="issue-from-hit"]').click()
    expect(screen.locator("#issue-dialog")).to_be_visible()
    expect(screen.locator("#issue-target")).to_have_value("BT-KDL-001")
    screen.fill("#issue-location", "沿钢铁大街向北")
    shot(screen, city, "04-issue-from-hit")
    screen.click("#issue-submit")
    expect(screen.locator("#issue-dialog")).to_be_hidden(timeout=TIMEOUT_MS)
    instruction = screen.locator("#instruction-list [data-instruction]", has_text="蒙B·7K2M9")
    expect(instruction).to_contain_text("沿钢铁大街向北")
    expect(instruction).to_contain_text("签收（剩余）")
    expect(card).to_contain_text("已下发指令 ZL")
    # the issuer by name, as the phone shows them, the username in small print after it
    name = screen.locator("#me").inner_text().split("（")[0]
    expect(instruction.locator(".issuer")).to_have_text(name)
    expect(instruction.locator(".username")).to_have_text("admin")
    before = instruction.locator(".deadline strong").first.inner_text()
    screen.wait_for_timeout(2200)  # two ticks of the second hand
    assert instruction.locator(".deadline strong").first.inner_text() != before  # counting down
    shot(screen, city, "05-instruction-board")


def test_booth_detail_shows_a_telemetry_chart_and_plate_reads(screen: Page, city: City) -> None:
    booth(screen, "BT-KDL-001").click()
    drawer = screen.locator("#booth-drawer")
    expect(drawer).to_be_visible()
    expect(screen.locator("#booth-status")).to_have_attribute("data-status", "fault")
    chart = screen.locator("#booth-chart")
    expect(chart).to_have_attribute("data-kind", "temperature_c", timeout=TIMEOUT_MS)
    expect(chart.locator("polyline.line")).to_have_count(1)
    assert int(chart.get_attribute("data-points") or 0) == 5
    expect(drawer.locator("[data-booth-read] img[src^='data:image/jpeg']")).to_have_count(2)
    expect(drawer).to_contain_text("机柜门未关闭")
    shot(screen, city, "06-booth-detail")
    screen.select_option("#chart-kind", "door")
    expect(chart).to_have_attribute("data-kind", "door", timeout=TIMEOUT_MS)
    expect(chart.locator("rect.band-bad")).to_have_count(1)


def test_a_remote_command_goes_to_the_booth_and_its_state_is_shown(
    screen: Page, city: City
) -> None:
    city.booths.connect("BT-KDL-001")
    if not screen.locator("#booth-drawer").is_visible():
        booth(screen, "BT-KDL-001").click()
    screen.select_option("#cmd-kind", "announcement")
    screen.fill("#cmd-param", "前方路口施工，请绕行")
    screen.click("#cmd-send")
    row = screen.locator("#cmd-list [data-command]").first
    expect(row).to_have_attribute("data-state", "succeeded", timeout=TIMEOUT_MS)
    expect(row).to_contain_text("已执行")
    assert [c.kind for c in city.booths.commands] == ["announcement"]
    assert city.booths.commands[0].params.model_dump() == {
        "text": "前方路口施工，请绕行",
        "repeat": 1,
    }
    shot(screen, city, "07-remote-command")
    screen.click('#booth-drawer [data-close="booth-drawer"]')


def test_the_booth_drawer_names_its_readings_and_its_message_channel(
    screen: Page, city: City
) -> None:
    """zh-CN names and human units, never raw keys; a booth heard through the broker is on
    MQTT even without a broker password of its own (the demo's embedded broker)."""
    link = city.booths.links.get("BT-DH-001") or city.booths.connect("BT-DH-001")
    link.publish_telemetry("camera_cam1", "ok").wait_for_publish(5)
    link.publish_telemetry("heartbeat", 3 * 3600 + 12 * 60 + 5).wait_for_publish(5)
    booth(screen, "BT-DH-001").click()
    drawer = screen.locator("#booth-drawer")
    expect(drawer.locator('dt[data-kind="heartbeat"]')).to_have_text("运行时长", timeout=TIMEOUT_MS)
    expect(drawer.locator('dt[data-kind="camera_cam1"]')).to_have_text("摄像头 cam1")
    expect(drawer).to_contain_text("3小时12分")
    expect(screen.locator("#booth-channel")).to_contain_text("MQTT 已接入（在线）")
    text = drawer.inner_text()
    for raw in ("camera_cam1", "运行时长 s", "未开通", "heartbeat"):
        assert raw not in text, raw
    screen.click('#booth-drawer [data-close="booth-drawer"]')


def test_remote_assist_with_a_kiosk(screen: Page, city: City, browser: Browser) -> None:
    code, secret = next((c, s) for c, s in city.demo.booths if c == "BT-QS-001")
    node = Node(city.centre, code, secret, city.root / "node")
    node.start()
    kiosk_context = browser.new_context(viewport=KIOSK, locale="zh-CN")
    kiosk = kiosk_context.new_page()
    try:
        kiosk.goto(node.url)
        kiosk.locator('section[data-screen="start"] [data-action="help"]').click()
        expect(kiosk.locator("#notice-text")).to_contain_text("工作人员")
        kiosk.locator('#notice [data-action="dismiss"]').click()
        card = screen.locator("#assist-list [data-assist]", has_text=code)
        expect(card).to_have_attribute("data-state", "waiting", timeout=TIMEOUT_MS)
        expect(booth(screen, code)).to_have_attribute("data-status", "help")
        # one help press, one item: the help call's alert is shown on the assist card
        expect(card.locator("[data-help-alert]")).to_be_visible(timeout=TIMEOUT_MS)
        help_alert = screen.locator('#alert-list [data-kind="help_call"]', has_text=code)
        expect(help_alert).to_have_count(0)
        assert screen.evaluate("window.__centre.helpToasts") == 1  # and one notice
        card.locator('[data-act="open-assist"]').click()
        expect(screen.locator("#assist-drawer")).to_be_visible()
        screen.click("#btn-assist-join")
        expect(screen.locator("#assist-state")).to_have_attribute(
            "data-state", "active", timeout=TIMEOUT_MS
        )
        expect(kiosk.locator("#assist-status")).to_contain_text(
            "工作人员已接入", timeout=TIMEOUT_MS
        )

        # the operator sees the kiosk's screen: the citizen starts and reaches identity check
        kiosk.locator('section[data-screen="start"] [data-action="begin"]').click()
        expect(screen.locator("#mirror-screen")).to_have_text("身份核验", timeout=TIMEOUT_MS)

        screen.fill("#chat-text", "您好，请问哪一步不会操作？")
        screen.press("#chat-text", "Enter")
        expect(kiosk.locator("#assist-log")).to_contain_text(
            "请问哪一步不会操作", timeout=TIMEOUT_MS
        )
        kiosk.locator("#assist-quick [data-quick='身份证读不出来']").click()
        expect(screen.locator("#chat-log")).to_contain_text("身份证读不出来", timeout=TIMEOUT_MS)
        screen.locator("#hint-presets [data-hint='请将身份证放在读卡区，保持不动']").click()
        expect(kiosk.locator("#assist-hint")).to_be_visible(timeout=TIMEOUT_MS)
        expect(kiosk.locator("#assist-hint-text")).to_have_text("请将身份证放在读卡区，保持不动")
        expect(screen.locator("#mirror-hint")).to_contain_text("请将身份证放在读卡区")
        shot(screen, city, "08-remote-assist")
        kiosk.screenshot(path=str(city.shots / "09-kiosk-hint.png"))
        kiosk.click("#assist-hint-ok")
        kiosk.screenshot(path=str(city.shots / "10-kiosk-conversation.png"))

        screen.click("#btn-assist-close")
        expect(kiosk.locator("#assist-status")).to_contain_text("已结束", timeout=TIMEOUT_MS)
        expect(screen.locator("#assist-list [data-assist]")).to_have_count(0, timeout=TIMEOUT_MS)
        # the session answered the help call: its alert closes with it, and the booth
        # shows its own state again (seeded offline)
        alert = screen.locator('#alert-list [data-kind="help_call"]', has_text=code)
        expect(alert).to_have_count(0, timeout=TIMEOUT_MS)
        expect(booth(screen, code)).to_have_attribute("data-status", "offline", timeout=TIMEOUT_MS)
    finally:
        kiosk_context.close()
        node.stop()


def test_the_watch_list_screen_lists_adds_and_withdraws_entries(screen: Page, city: City) -> None:
    screen.click("#link-records")
    expect(screen.locator("#watch-list")).to_be_visible(timeout=TIMEOUT_MS)
    listed = screen.locator('#watch-table tr[data-plate="蒙B·7K2M9"]')  # added in a test above
    expect(listed.locator('[data-source="manual"]')).to_contain_text("人工")
    expect(listed).to_contain_text("协查被盗车辆")
    expect(listed).to_contain_text("off-kdl-1")
    screen.fill("#wa-plate", "蒙B·5G8K1")
    screen.fill("#wa-reason", "肇事逃逸嫌疑车辆，发现即拦截")
    screen.fill("#wa-owner", "off-kdl-1")
    screen.click("#wa-submit")
    added = screen.locator('#watch-table tr[data-plate="蒙B·5G8K1"]')
    expect(screen.locator("#toast")).to_contain_text("待另一名督察审批", timeout=TIMEOUT_MS)
    expect(added).to_have_count(0)  # two keys: nothing listed on the maker's word alone
    _approve_pending(city, "sup-kdl")
    screen.click("#watch-filter button[type=submit]")
    expect(added).to_contain_text("人工 · admin", timeout=TIMEOUT_MS)
    expect(added).to_contain_text("布控中")
    shot(screen, city, "11-watch-list")
    added.locator("[data-withdraw]").click()
    form = screen.locator("[data-withdraw-form]")
    form.locator("input").fill("车辆已查获")
    form.locator("button[type=submit]").click()
    expect(added).to_have_count(0, timeout=TIMEOUT_MS)
    screen.select_option("#wf-state", "withdrawn")
    screen.click("#watch-filter button[type=submit]")
    expect(added).to_contain_text("撤控：车辆已查获", timeout=TIMEOUT_MS)
    expect(added.locator("[data-withdraw]")).to_have_count(0)


def _approve_pending(city: City, checker: str) -> None:
    """The second key, as a supervisor approving every pending request."""
    new_uow = city.ingest.ctx.uow
    actor = scenario.staff_actor(new_uow, checker)
    with new_uow() as uow:
        pending = list(
            uow.session.execute(select(Approval.id).where(Approval.state == "pending")).scalars()
        )
    assert pending
    for approval_id in pending:
        with new_uow() as uow:
            two_keys.approve(uow, actor, approval_id, None, city.ingest.ctx.settings)


def _local(screen: Page, element_id: str, at_ms: float) -> None:
    """Set a datetime-local input to an instant, in the browser's own zone."""
    screen.evaluate(
        """([id, ms]) => {
          const local = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
          document.getElementById(id).value = local.toISOString().slice(0, 16);
        }""",
        [element_id, at_ms],
    )


def test_search_by_booth_plate_and_time_a_page_at_a_time_and_export(
    screen: Page, city: City, tmp_path: Path
) -> None:
    now = city.ingest.ctx.clock.now()
    for i in range(25):  # 50 … 26 minutes ago, one a minute
        scenario.read_plate(
            city.ingest.ctx.uow,
            "BT-DH-001",
            f"蒙B2{i:04d}",
            now - timedelta(minutes=50 - i),
            evidence=None,
        )
    screen.goto(f"{city.centre.url}/centre/records.html#search")
    expect(screen.locator("#toast")).to_be_hidden(timeout=8000)
    section = screen.locator("#search")
    expect(section.locator("#s-kind")).to_be_visible(timeout=TIMEOUT_MS)
    screen.fill("#s-booth", "BT-DH-001")
    section.locator("button[type=submit]").click()
    expect(section.locator(".summary")).to_have_text("过车记录 · 共 25 条", timeout=TIMEOUT_MS)
    rows = section.locator("tbody tr[data-row]")
    expect(rows).to_have_count(20)
    expect(section.locator(".page-no")).to_have_text("第 1 / 2 页 · 共 25 条")
    shot(screen, city, "12-search")
    section.locator('[data-page="next"]').click()
    expect(section.locator(".page-no")).to_have_text("第 2 / 2 页 · 共 25 条", timeout=TIMEOUT_MS)
    expect(rows).to_have_count(5)
    expect(section.locator('[data-page="next"]')).to_be_disabled()

    _local(screen, "s-since", (now - timedelta(minutes=40)).timestamp() * 1000)
    _local(screen, "s-until", (now - timedelta(minutes=35)).timestamp() * 1000)
    section.locator("button[type=submit]").click()
    expect(section.locator(".summary")).to_have_text("过车记录 · 共 5 条", timeout=TIMEOUT_MS)

    with screen.expect_download() as download:
        section.locator("[data-export]").click()
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("过车时间,号牌,岗亭") and len(lines) == 1 + 5

    screen.fill("#s-since", "")
    screen.fill("#s-until", "")
    screen.fill("#s-booth", "")
    screen.select_option("#s-kind", "hits")
    screen.fill("#s-plate", "7K2M9")
    section.locator("button[type=submit]").click()
    hit = section.locator("tbody tr[data-row]")
    expect(hit).to_have_count(1, timeout=TIMEOUT_MS)
    expect(hit.locator('[data-col="plate"]')).to_have_text("蒙B·7K2M9")
    expect(hit.locator('[data-col="state"]')).to_have_text("已确认")


def test_the_history_shows_closed_items_with_who_closed_them(screen: Page, city: City) -> None:
    screen.goto(f"{city.centre.url}/centre/records.html#history")
    section = screen.locator("#history")
    expect(section.locator("#h-kind")).to_be_visible(timeout=TIMEOUT_MS)
    expect(section.locator(".summary")).to_contain_text("布控比中", timeout=TIMEOUT_MS)
    screen.select_option("#h-kind", "alerts")
    section.locator("button[type=submit]").click()
    closed = section.locator("tbody tr[data-row]", has_text="已派员检查空调")  # closed above
    expect(closed.locator('[data-col="state"]')).to_have_text("已关闭", timeout=TIMEOUT_MS)
    expect(closed.locator('[data-col="closed_by"]')).to_contain_text("admin")
    assert section.locator('tbody [data-col="state"]', has_text="待签收").count() == 0
    shot(screen, city, "13-history")


def test_search_and_history_show_only_the_viewers_unit(browser: Browser, city: City) -> None:
    """The 青山区 brigade's supervisor sees the reads and alerts of its own booths only."""
    scenario.read_plate(
        city.ingest.ctx.uow, "BT-QS-001", "蒙B3Q001", city.ingest.ctx.clock.now(), evidence=None
    )
    context = browser.new_context(viewport=WALL, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{city.centre.url}/centre/")
        at = SystemClock().now()
        sign_in(page, "sup-qs", "Demo-Ducha-2026", demo_totp_secret("sup-qs"), at)
        expect(page.locator("#live-state")).to_have_text("实时连接正常", timeout=TIMEOUT_MS)
        page.click("#link-records")
        expect(page.locator("#watch-add")).to_be_visible(timeout=TIMEOUT_MS)  # a supervisor
        page.goto(f"{city.centre.url}/centre/records.html#search")
        section = page.locator("#search")
        expect(section.locator(".summary")).to_have_text("过车记录 · 共 1 条", timeout=TIMEOUT_MS)
        expect(section.locator('tbody [data-col="booth"]')).to_have_text(["BT-QS-001"])
        page.fill("#s-plate", "7K2M9")  # read at a booth of another brigade
        section.locator("button[type=submit]").click()
        expect(section.locator(".summary")).to_have_text("过车记录 · 共 0 条", timeout=TIMEOUT_MS)
        page.goto(f"{city.centre.url}/centre/records.html#history")
        history = page.locator("#history")
        page.select_option("#h-kind", "alerts")
        history.locator("button[type=submit]").click()
        booths = history.locator('tbody [data-col="booth"]')
        expect(booths.first).to_have_text("BT-QS-001", timeout=TIMEOUT_MS)
        assert set(booths.all_inner_texts()) == {"BT-QS-001"}
    finally:
        context.close()


def _map_share(screen: Page, selector: str) -> float:
    """How much of the map's width or height (the larger share) what ``selector`` covers."""
    share: float = screen.evaluate(
        """(selector) => {
          const map = document.getElementById("map").getBoundingClientRect();
          const boxes = [...document.querySelectorAll(selector)]
            .map((n) => n.getBoundingClientRect());
          const left = Math.max(map.left, Math.min(...boxes.map((b) => b.left)));
          const right = Math.min(map.right, Math.max(...boxes.map((b) => b.right)));
          const top = Math.max(map.top, Math.min(...boxes.map((b) => b.top)));
          const bottom = Math.min(map.bottom, Math.max(...boxes.map((b) => b.bottom)));
          return Math.max((right - left) / map.width, (bottom - top) / map.height);
        }""",
        selector,
    )
    return share


def test_zooming_to_a_district_fills_the_map_with_it(screen: Page, city: City) -> None:
    screen.goto(f"{city.centre.url}/centre/")
    expect(screen.locator("#live-state")).to_have_text("实时连接正常", timeout=TIMEOUT_MS)
    code = next(d["code"] for d in district_map()["districts"] if d["name"] == "青山区")
    screen.select_option("#zoom-district", code)
    expect(screen.locator("#map")).to_have_attribute("data-view", f"district:{code}")
    assert _map_share(screen, f'#map path[data-district="{code}"]') > 0.9
    shot(screen, city, "14-district-zoom")
    # 城区: the booths spread over most of the map, not a corner of it
    screen.click("#zoom-urban")
    expect(screen.locator("#zoom-district")).to_have_value("")
    assert _map_share(screen, "#map .booth .core") > 0.6
    screen.click("#zoom-city")
    assert _map_share(screen, "#map .booth .core") < 0.5
    screen.click("#zoom-urban")


def test_crowded_booth_labels_do_not_overlap(screen: Page, city: City) -> None:
    """Eight booths a few hundred metres apart in the city centre: no two labels overlap;
    those that would are hidden and shown on hover or focus."""
    from sqlalchemy import select

    from gangting.booths.models import Booth
    from gangting.staff.models import OrgUnit

    with city.uow() as uow:
        unit_id = uow.session.execute(
            select(Booth.org_unit_id).where(Booth.code == "BT-QS-001")
        ).scalar_one()
        unit = uow.session.get(OrgUnit, unit_id)
        assert unit is not None
        for i in range(8):
            row = builders.booth(uow, unit, code=f"BT-QS-1{i:02d}")
            row.district_code = "150204"
            row.longitude = 109.84 + (i % 4) * 0.0025
            row.latitude = 40.652 + (i // 4) * 0.0015
    screen.reload()
    expect(screen.locator("#live-state")).to_have_text("实时连接正常", timeout=TIMEOUT_MS)
    expect(screen.locator("#map .booth")).to_have_count(11)
    screen.wait_for_timeout(300)  # labels are tidied on the next frame
    overlaps = screen.evaluate(
        """() => {
          const shown = [...document.querySelectorAll("#map .booth .label:not(.crowded)")]
            .map((n) => n.getBoundingClientRect());
          let n = 0;
          for (let i = 0; i < shown.length; i++)
            for (let j = i + 1; j < shown.length; j++) {
              const a = shown[i], b = shown[j];
              if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) n++;
            }
          return n;
        }"""
    )
    assert overlaps == 0
    crowded = screen.locator('#map .booth[data-label="crowded"]')
    assert crowded.count() > 0
    label = crowded.first.locator(".label")
    expect(label).to_be_hidden()
    crowded.first.focus()  # as on hover (booths this close cover each other's dots)
    expect(label).to_be_visible()
    shot(screen, city, "15-crowded-labels")
    # closer in (the wheel, over the crowd), the labels have room
    hidden = crowded.count()
    box = screen.locator('#map .booth[data-code="BT-QS-101"]').bounding_box()
    assert box is not None
    screen.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(12):
        screen.mouse.wheel(0, -200)
        screen.wait_for_timeout(50)
    expect(screen.locator("#map")).to_have_attribute("data-view", "custom")
    screen.wait_for_timeout(300)
    assert crowded.count() < hidden
    shot(screen, city, "16-zoomed-in")
    screen.click("#zoom-urban")
