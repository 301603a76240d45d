"""The rating link and the remedies through HTTP: the link on the booth's answer, the public
page and API (no log-in; bad input refused with stable codes; the link used twice refused;
the source throttled), the staff's remedy steps and the indicators route."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from gangting.ratings.models import BadReviewRemedy, Rating, RatingLink
from tests.desks.conftest import Api, Booth

API = "/api/v1/public/ratings"


def _count(api: Api, model: Any) -> int:
    with api.ctx.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def _processed(booth: Booth, world: dict[str, Any]) -> dict[str, Any]:
    r = booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _token(answer: dict[str, Any], api: Api) -> str:
    link = str(answer["rating_link"])
    assert link.startswith(api.ctx.settings.public_base_url + "/r/")
    return link.rsplit("/r/", 1)[1]


def _post(api: Api, token: str, body: dict[str, Any], key: str | None = "k") -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return api.client.post(f"{API}/{token}", json=body, headers=headers)


def test_the_receipts_link_rates_once_and_a_second_use_is_refused(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    answer = _processed(booth, world)
    token = _token(answer, api)
    page = api.client.get(f"/r/{token}")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert "交通违法处理" in page.text and answer["receipt_no"] in page.text
    assert "非常不满意" in page.text and "https://" not in page.text  # local assets only
    assert api.client.get("/r/static/rate.js").status_code == 200
    view = api.client.get(f"{API}/{token}").json()
    assert view["state"] == "usable" and view["receipt_no"] == answer["receipt_no"]

    assert _post(api, token, {"level": 5}, key=None).json()["error"] == ("idempotency.key_required")
    no_reason = _post(api, token, {"level": 2}, key="a")
    assert no_reason.status_code == 422
    assert no_reason.json()["error"] == "ratings.reason_required"
    assert "说明原因" in no_reason.json()["message"]
    for bad in ({"level": "great"}, {"level": 6}, {"level": 5, "extra": 1}, {}, {"level": None}):
        r = _post(api, token, bad, key="b")
        assert r.status_code == 422, bad
    assert _count(api, Rating) == 0

    done = _post(api, token, {"level": 2, "reason": "等候时间太长"}, key="c")
    assert done.status_code == 201, done.text
    assert done.json()["remedy"]["state"] == "assigned"
    again = _post(api, token, {"level": 2, "reason": "等候时间太长"}, key="c")
    assert again.json() == done.json() and again.headers["Idempotent-Replayed"] == "true"
    second = _post(api, token, {"level": 5}, key="d")
    assert second.status_code == 409 and second.json()["error"] == "ratings.link_used"
    assert "只能评价一次" in second.json()["message"]
    used_page = api.client.get(f"/r/{token}")
    assert used_page.status_code == 409 and "ratings.link_used" in used_page.text
    assert api.client.get(f"{API}/{token}").json()["state"] == "used"
    kiosk = booth.post("/api/v1/ratings", {"receipt_no": answer["receipt_no"], "level": 5})
    assert kiosk.json()["error"] == "ratings.already_rated"
    assert _count(api, Rating) == 1 and _count(api, BadReviewRemedy) == 1


def test_unknown_links_are_refused_and_a_refused_application_gets_a_link_too(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    for token in ("abc", "x" * 40, "%3Cscript%3E" * 3):
        page = api.client.get(f"/r/{token}")
        assert page.status_code == 404 and "ratings.link_unknown" in page.text
        r = _post(api, token, {"level": 5})
        if token == "x" * 40:  # well formed, never issued
            assert r.status_code == 404 and r.json()["error"] == "ratings.link_unknown"
        else:  # not a token's shape at all
            assert r.status_code == 422 and r.json()["error"] == "request.invalid"
    _processed(booth, world)
    refused = booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    assert refused.status_code == 409
    data = refused.json()["data"]
    token = _token(data, api)
    assert api.client.get(f"{API}/{token}").json()["application_state"] == "refused"
    assert _count(api, RatingLink) == 2


def test_the_public_endpoints_are_throttled_per_source(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    token = _token(_processed(booth, world), api)
    api.ctx.settings.rating_link_source_max_requests = 3
    for _ in range(3):
        assert api.client.get(f"{API}/{token}").status_code == 200
    locked = _post(api, token, {"level": 5})
    assert locked.status_code == 429 and locked.json()["error"] == "ratings.too_many_requests"
    assert int(locked.headers["Retry-After"]) > 0
    page = api.client.get(f"/r/{token}")
    assert page.status_code == 429 and "ratings.too_many_requests" in page.text
    assert _count(api, Rating) == 0


def _staff(api: Api, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.login_staff(username)}"}


def test_staff_move_a_remedy_along_in_order_within_their_unit(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    token = _token(_processed(booth, world), api)
    assert _post(api, token, {"level": 1, "reason": "态度生硬"}).status_code == 201
    officer, other = _staff(api, "off-kdl"), _staff(api, "off-qs")
    listed = api.client.get("/api/v1/ratings/remedies", headers=officer).json()["remedies"]
    assert len(listed) == 1 and listed[0]["org_unit"] == "KDL"
    assert listed[0]["channel"] == "link" and listed[0]["reason"] == "态度生硬"
    remedy = listed[0]["remedy_id"]
    assert api.client.get("/api/v1/ratings/remedies", headers=other).json()["remedies"] == []
    url = "/api/v1/ratings/remedies?status="
    assert [
        r["remedy_id"] for r in api.client.get(url + "open", headers=officer).json()["remedies"]
    ] == [remedy]
    assert api.client.get(url + "open", headers=other).json()["remedies"] == []
    assert api.client.get(url + "closed", headers=officer).json()["remedies"] == []
    assert api.client.get(url + "late", headers=officer).status_code == 422
    assert listed[0]["next_step"] == "contact" and listed[0]["working_days_left"] == 1
    base = f"/api/v1/ratings/remedies/{remedy}"

    def step(action: str, body: dict[str, Any], who: dict[str, str] = officer) -> Any:
        return api.client.post(
            f"{base}/{action}", json=body, headers={**who, "Idempotency-Key": uuid.uuid4().hex}
        )

    assert step("fix", {"note": "已整改"}).json()["error"] == "ratings.remedy_state_conflict"
    assert step("contact", {"note": "已联系"}, other).json()["error"] == "auth.out_of_scope"
    blank = step("contact", {"note": "  "})
    assert blank.status_code == 422 and blank.json()["error"] == "ratings.remedy_note_required"
    assert blank.json()["message"] == "请填写“联系核实”的情况说明"
    assert step("contact", {"note": "x", "complex_matter": "maybe"}).status_code == 422
    booth_try = api.client.post(
        f"{base}/contact", json={"note": "x"}, headers=booth.headers(uuid.uuid4().hex)
    )
    assert booth_try.status_code == 403
    assert api.client.get(f"/api/v1/ratings/remedies/{uuid.uuid4()}", headers=officer).json()[
        "error"
    ] == ("ratings.remedy_unknown")
    assert api.client.get("/api/v1/ratings/remedies/not-an-id", headers=officer).status_code == 422

    contacted = step("contact", {"note": "电话联系，核实属实"})
    assert contacted.status_code == 200, contacted.text
    assert contacted.json()["state"] == "contacted"
    assert step("fix", {"note": "已加强引导"}).json()["state"] == "fixed"
    assert step("return-visit", {"note": "已回访"}).json()["state"] == "return_visited"
    no_answer = step("close", {"note": "办结"})  # the citizen's answer is needed
    assert no_answer.status_code == 422
    assert no_answer.json()["error"] == "ratings.citizen_answer_required"
    assert step("close", {"note": "办结", "citizen_answer": "ok"}).status_code == 422
    closed = step("close", {"note": "群众表示满意", "citizen_answer": "satisfied"})
    assert closed.json()["state"] == "closed" and closed.json()["citizen_answer"] == "satisfied"
    assert closed.json()["history"][-1]["detail"] == "评价人意见：满意"
    got = api.client.get(base, headers=_staff(api, "admin")).json()
    assert got["closed_at"] is not None and got["result"] == "群众表示满意"
    assert [h["action"] for h in got["history"]][-4:] == [
        "contacted",
        "fixed",
        "return_visited",
        "closed",
    ]
    assert got["history"][-4]["note"] == "电话联系，核实属实"
    closed_list = api.client.get(url + "closed", headers=officer).json()["remedies"]
    assert [r["remedy_id"] for r in closed_list] == [remedy]


def test_the_indicators_route_answers_in_scope_and_refuses_bad_periods(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    answer = _processed(booth, world)
    assert booth.post(
        "/api/v1/ratings", {"receipt_no": answer["receipt_no"], "level": 5}
    ).status_code == (201)
    officer, other = _staff(api, "off-kdl"), _staff(api, "off-qs")
    url = "/api/v1/ratings/indicators?start=2026-11-01&end=2026-11-30"
    rows = api.client.get(url + "&by=booth", headers=officer).json()
    assert rows["rows"] == [
        {
            "key": "BT-KDL-001",
            "label": "昆都仑测试岗亭",
            "applications": 1,
            "ratings": 1,
            "good": 1,
            "bad": 0,
            "remedies_closed": 0,
            "remedies_on_time": 0,
            "rating_rate": 1.0,
            "good_rate": 1.0,
            "fix_rate": None,
            "on_time_rate": None,
        }
    ]
    assert "评价数 / 办件数" in rows["formulas"]["rating_rate"]
    assert api.client.get(url + "&by=brigade", headers=officer).json()["rows"][0]["key"] == "KDL"
    assert api.client.get(url + "&by=month", headers=officer).json()["rows"][0]["key"] == (
        "2026-11"
    )
    assert api.client.get(url + "&by=booth", headers=other).json()["rows"] == []
    assert api.client.get(url + "&by=district", headers=officer).status_code == 422
    wrong = api.client.get(
        "/api/v1/ratings/indicators?start=2026-12-01&end=2026-11-01", headers=officer
    )
    assert wrong.status_code == 422 and wrong.json()["error"] == "ratings.period_invalid"
    assert api.client.get(
        "/api/v1/ratings/indicators?start=x&end=2026-11-01", headers=officer
    ).status_code == (422)
    assert api.client.get(url, headers=booth.headers()).status_code == 403
