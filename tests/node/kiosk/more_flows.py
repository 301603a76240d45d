"""Issue 14's kiosk flows (more.js; docs/decisions/0030), driven through the real screens like
``flows``: deferral or instalments of a fine, paying an instalment, an objection to a camera
record, the progress of an objection with materials supplied, full-score clearance, the
driver review (and a 70+ driver's ability test, in elderly mode), the inspection-mark
reissue, a first minor offence not penalised, a refused renewal referred to the brigade
(转办). Shared by the browser tests and the
screenshot command. Each starts on the start screen and ends back on it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from playwright.sync_api import expect

from gangting.kernel.clock import CITY_ZONE
from tests.node.kiosk.flows import TIMEOUT_MS, Kiosk, fill_certificate
from tests.node.kiosk.stack import Demo


def page_to(k: Kiosk, service: str) -> None:
    """Page the services (elderly mode shows three a page) until ``service`` is shown."""
    target = k.page.locator(f'#service-list [data-service="{service}"]')
    for _ in range(10):
        if target.count():
            return
        k.act("page-next")
    raise AssertionError(f"service {service!r} not on any page")


def exit_from_review(k: Kiosk) -> None:
    """Back to the services, then 退出: the session ends as a citizen ends it."""
    k.act("back-services")
    k.wait("services")
    k.tap('section[data-screen="services"] [data-action="finish"]')
    k.wait("start")


def _get(k: Kiosk, path: str) -> Any:
    """A read through the node with the browser's own session (the citizen's cookie)."""
    r = k.page.request.get(f"{k.base_url}/kiosk/api{path}")
    assert r.ok, f"{path}: {r.status} {r.text()}"
    return r.json()


def deferral(k: Kiosk, demo: Demo) -> None:
    """暂缓或分期缴纳: the fine not yet under a plan, 3 instalments, a hardship reason."""
    k.identify("instalments")
    planned = _get(k, f"/fine-deferrals/{demo.refs['instalments']}")["decision_no"]
    k.choose("deferral")
    free = k.page.locator('input[name="deferral-decision"]:not([value="' + planned + '"])')
    free.first.check()
    k.tap('[data-action="more-chip"][data-target="deferral-reason"]')
    k.shot("form")
    k.confirm_to("receipt")
    receipt = k.page.locator("#receipt-content")
    expect(receipt).to_contain_text("分期缴纳罚款")
    expect(receipt).to_contain_text("待审批")
    expect(receipt).to_contain_text("第66条第2款")
    k.print_and_rate()
    k.finish()


def instalments(k: Kiosk, demo: Demo) -> None:
    """The granted plan: its instalments and due dates, then the first paid at the terminal."""
    k.identify("instalments")
    k.choose("instalments")
    k.page.fill("#deferral-no", demo.refs["instalments"])
    k.act("deferral-query")
    table = k.page.locator("#deferral-view table.instalments")
    expect(table).to_be_visible(timeout=TIMEOUT_MS)
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(k.page.locator("#deferral-view")).to_contain_text("已批准")
    expect(k.page.locator("#btn-confirm")).to_contain_text("缴纳第1期")
    k.shot("plan")
    k.confirm_to("pay")
    expect(k.page.locator("#pay-items")).to_contain_text("第1期")
    k.tap("#btn-pay")
    k.wait("receipt")
    k.shot("receipt")
    receipt = k.page.locator("#receipt-content")
    expect(receipt).to_contain_text("分期款项")
    expect(receipt).to_contain_text("缴款凭证号")
    k.print_and_rate()
    k.finish()


def objection(k: Kiosk, demo: Demo) -> None:
    """An objection to the camera record not yet objected to, with a photo as evidence: the
    5-working-day deadline on the receipt, and violation processing holds the record back."""
    k.identify("objection")
    under_review = _get(k, f"/referrals/{demo.refs['objection']}")["violation_ref"]
    k.choose("objection")
    k.page.locator(f'input[name="objection-ref"]:not([value="{under_review}"])').first.check()
    k.tap('[data-action="more-chip"][data-target="objection-statement"]')
    k.act("more-photo")
    expect(k.page.locator("#evidence-list li")).to_have_count(1)
    k.shot("form")
    k.confirm_to("receipt")
    receipt = k.page.locator("#receipt-content")
    expect(receipt).to_contain_text("异议编号")
    expect(receipt).to_contain_text("五个工作日")
    expect(receipt).to_contain_text("暂不处理")
    k.act("to-rate")
    k.wait("rate")
    k.act("skip-rate")
    k.wait("done")
    k.tap('section[data-screen="done"] [data-action="back-services"]')
    k.wait("services")
    k.choose("violations")  # both records under review now: neither is processed
    review = k.page.locator("#review-content")
    expect(review).to_contain_text("暂不能处理")
    expect(review).to_contain_text("审查结束前暂不能处理")
    k.shot("processing-held")
    exit_from_review(k)


def referral(k: Kiosk, demo: Demo) -> None:
    """The objection the unit asked more materials for: its progress, then a note and a photo."""
    k.identify("objection")
    k.choose("referral")
    k.page.fill("#referral-no", demo.refs["objection"])
    k.act("referral-query")
    view = k.page.locator("#referral-view")
    expect(view).to_contain_text("待补充材料", timeout=TIMEOUT_MS)
    expect(view).to_contain_text("承办单位要求补充材料")
    expect(view).to_contain_text("暂不处理")
    k.tap('[data-action="more-chip"][data-target="supply-note"]')
    k.act("more-photo")
    k.shot("supply")
    k.confirm_to("receipt")
    expect(k.page.locator("#receipt-content")).to_contain_text("已提交，办理期限相应顺延")
    k.act("to-rate")
    k.wait("rate")
    k.tap('[data-level="满意"]')
    k.act("rate")
    k.wait("done")
    k.finish()


def full_score(k: Kiosk, demo: Demo) -> None:
    k.identify("full_score_done")
    k.choose("full_score")
    expect(k.page.locator("#review-content")).to_contain_text("第23条")
    k.confirm_to("receipt")
    receipt = k.page.locator("#receipt-content")
    expect(receipt).to_contain_text("清除记分")
    expect(receipt).to_contain_text("已发还")
    k.print_and_rate()
    k.finish()


def review(k: Kiosk, demo: Demo) -> None:
    k.identify("review_due")
    k.choose("review")
    expect(k.page.locator("#review-content")).to_contain_text("三力测试")
    k.confirm_to("receipt")
    receipt = k.page.locator("#receipt-content")
    expect(receipt).to_contain_text("审验的记分周期")
    expect(receipt).to_contain_text("180 分钟")
    k.print_and_rate()
    k.finish()


def senior_review(k: Kiosk, demo: Demo) -> None:
    """Elderly mode: a 70+ driver pages to 驾驶人审验, records the 三力测试 from the device (the
    result read aloud), asks for the review and is told why not, with the guide's condition."""
    k.act("toggle-elder")
    expect(k.page.locator("body")).to_have_class("elder")
    k.identify("senior")
    page_to(k, "review")
    k.shot("services-page")
    k.choose("review")
    k.page.fill("#cognitive-ref", demo.refs["cognitive_test"])

    def spoken(r: Any) -> bool:  # read aloud on the booth speaker
        return r.url.endswith("/kiosk/api/speak") and "三力测试合格" in (r.post_data or "")

    with k.page.expect_request(spoken, timeout=TIMEOUT_MS):
        k.act("cognitive-record")
    expect(k.page.locator("#cognitive-view")).to_contain_text("三力测试：合格", timeout=TIMEOUT_MS)
    expect(k.page.locator("#live")).to_contain_text("三力测试合格")
    k.shot("cognitive-test")
    k.tap("#btn-confirm")
    expect(k.page.locator("#notice-text")).to_contain_text("无需接受审验", timeout=TIMEOUT_MS)
    k.shot("refused")
    k.tap("#notice-guide")
    expect(k.page.locator("#guide .condition.failed").first).to_be_visible(timeout=TIMEOUT_MS)
    k.shot("guide")
    k.act("guide-close")
    exit_from_review(k)
    k.act("toggle-elder")  # the next citizen starts in the usual mode
    expect(k.page.locator("body")).not_to_have_class("elder")


def mark_reissue(k: Kiosk, demo: Demo) -> None:
    k.identify("mark_lost")
    k.choose("mark_reissue")
    k.confirm_to("receipt")
    receipt = k.page.locator("#receipt-content")
    expect(receipt).to_contain_text("补领原因")
    expect(receipt).to_contain_text("检验有效期至")
    k.act("e-receipt")
    expect(k.page.locator("#ecert-title")).to_have_text("机动车检验合格标志（电子）")
    k.shot("e-certificate")
    k.act("ecert-close")
    k.print_and_rate()
    k.finish()


def first_offence(k: Kiosk, demo: Demo) -> None:
    """首违不罚: the review and the receipt say 不予处罚（首违）, why and on what law; no fine."""
    k.identify("first_offence")
    k.choose("violations")
    review_ = k.page.locator("#review-content")
    expect(review_).to_contain_text("不予处罚（首违）")
    expect(review_).to_contain_text("不罚款，不记分")
    expect(review_).to_contain_text("第33条")
    expect(review_).to_contain_text("应缴合计：0.00元")
    k.confirm_to("receipt")
    receipt = k.page.locator("#receipt-content")
    expect(receipt).to_contain_text("不予处罚（首违）")
    expect(receipt).to_contain_text("第33条")
    expect(receipt).not_to_contain_text("缴款期限")
    k.print_and_rate()
    k.finish()


def refer(k: Kiosk, demo: Demo) -> str:
    """转办: the renewal refused at the booth (the health certificate issued eight months ago;
    on a stack where the persona has renewed: too early); the citizen refers it to the
    brigade with the certificate and the refusal, and reads the receipt (编号 ZB…, unit, due
    date, state). The referral's number."""
    elder = "elder" in (k.page.locator("body").get_attribute("class") or "")
    k.identify("renewal")
    page_to(k, "renewal")
    k.choose("renewal")
    fill_certificate(k)
    certificate = k.page.input_value("#cert-no")
    k.page.fill("#cert-date", (datetime.now(CITY_ZONE).date() - timedelta(days=240)).isoformat())
    k.tap("#btn-confirm")
    expect(k.page.locator("#notice-guide")).to_be_visible(timeout=TIMEOUT_MS)
    expect(k.page.locator("#notice-refer")).to_be_visible()
    k.shot("refused")
    if elder:  # the explanation is read aloud on the booth speaker

        def spoken(r: Any) -> bool:
            return r.url.endswith("/kiosk/api/speak") and "转办到承办单位" in (r.post_data or "")

        with k.page.expect_request(spoken, timeout=TIMEOUT_MS):
            k.tap("#notice-refer")
    else:
        k.tap("#notice-refer")
    expect(k.page.locator("#h-review")).to_have_text("转办到承办单位", timeout=TIMEOUT_MS)
    explained = k.page.locator("#review-content")
    for words in ("交警大队", "个工作日内办结", "以短信告知", "岗亭无法当场办结"):
        expect(explained).to_contain_text(words)
    expect(k.page.locator("#btn-confirm")).to_have_text("确认转办")
    k.shot("explained")
    k.confirm_to("receipt")
    receipt = k.page.locator("#receipt-content")
    for words in ("转办编号", "承办单位", "办理期限", "已转办", "驾驶证期满换证"):
        expect(receipt).to_contain_text(words)
    found = re.search(r"ZB[A-Z0-9]+", receipt.inner_text())
    assert found, receipt.inner_text()
    held = _get(k, f"/referrals/{found.group(0)}")  # the centre's referral, read by the citizen
    assert (held["kind"], held["state"], held["service_item"]) == (
        "referral",
        "referred",
        "renewal",
    )
    assert held["materials"]["documents"] == [certificate]
    codes = held["materials"]["data"]["refusal_codes"]
    assert codes and all(c.startswith("licences.") for c in codes), codes
    assert held["materials"]["data"]["form"]["cert-no"] == certificate
    k.act("print")
    expect(k.page.locator("#print-state")).to_contain_text("已打印", timeout=TIMEOUT_MS)
    k.shot("receipt-printed")
    k.act("to-rate")
    k.wait("rate")
    k.act("skip-rate")
    k.wait("done")
    k.finish()
    return found.group(0)


MORE_FLOWS: dict[str, Callable[[Kiosk, Demo], object]] = {
    "deferral": deferral,
    "instalments": instalments,
    "objection": objection,
    "referral": referral,
    "full_score": full_score,
    "driver_review": review,
    "senior_review": senior_review,
    "mark_reissue": mark_reissue,
    "first_offence": first_offence,
    "refer": refer,
}
