"""The survey behind the receipt's rating link, through HTTP (no log-in; the link's token
authorises it): offered only after the application is rated, one sheet per application
whatever the channel, replayed by its Idempotency-Key, bad input refused in Chinese with
stable codes and nothing written, expired and unknown links refused, every request counted
against its source with the public rating routes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from gangting.applications.models import Application
from gangting.audit.models import AuditEntry
from gangting.ratings.service import link_actor
from gangting.surveys.models import SurveyAnswer, SurveyResponse
from tests.desks.conftest import Api, Booth

RATE = "/api/v1/public/ratings"
SURVEY = "/api/v1/public/surveys"


def _count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def _processed(booth: Booth, world: dict[str, Any]) -> tuple[str, str]:
    """A completed application at the booth: its receipt number and its link's token."""
    r = booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    assert r.status_code == 200, r.text
    return str(r.json()["receipt_no"]), str(r.json()["rating_link"]).rsplit("/r/", 1)[1]


def _post(api: Api, path: str, token: str, body: dict[str, Any], key: str | None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return api.client.post(f"{path}/{token}", json=body, headers=headers)


def test_the_link_offers_the_survey_after_the_rating_and_takes_one_sheet(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    receipt, token = _processed(booth, world)
    shown = api.client.get(f"{SURVEY}/{token}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["state"] == "rating_first"
    survey = shown.json()["survey"]
    assert survey["code"] == "service_quality"
    assert len([i for s in survey["sections"] for i in s["items"]]) == 9

    early = _post(api, SURVEY, token, {"answers": {"conv1": 5}}, key="s0")
    assert early.status_code == 409 and early.json()["error"] == "surveys.rating_first"
    assert "请先完成评价" in early.json()["message"]
    assert _count(api, SurveyResponse) == 0
    assert _count(api, AuditEntry, AuditEntry.action == "survey_link.refused") == 1

    assert _post(api, RATE, token, {"level": 5}, key="r1").status_code == 201
    assert api.client.get(f"{SURVEY}/{token}").json()["state"] == "open"

    no_key = _post(api, SURVEY, token, {"answers": {"conv1": 5}}, key=None)
    assert no_key.status_code == 422 and no_key.json()["error"] == "idempotency.key_required"
    for bad, code, text in (
        ({"answers": {"conv1": 6}}, "surveys.bad_answers", "超出量表范围"),
        ({"answers": {"nope": 3}}, "surveys.bad_answers", "问卷中没有题目"),
        ({"answers": {}}, "surveys.bad_answers", "至少需要回答一道题目"),
        ({"answers": {"conv1": None}}, "surveys.bad_answers", "至少需要回答一道题目"),
        ({"answers": {"conv1": "五"}}, "request.invalid", ""),
        ({"answers": {"conv1": 5}, "receipt_no": receipt}, "request.invalid", ""),
        ({}, "request.invalid", ""),
    ):
        r = _post(api, SURVEY, token, bad, key="bad")
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["error"] == code and text in r.json()["message"], r.json()
    assert _count(api, SurveyResponse) == 0 and _count(api, SurveyAnswer) == 0

    body = {"answers": {"conv1": 5, "tru3": 1, "rel2": None}}
    done = _post(api, SURVEY, token, body, key="s1")
    assert done.status_code == 201, done.text
    assert done.json()["channel"] == "link" and done.json()["answered"] == 2
    again = _post(api, SURVEY, token, body, key="s1")
    assert again.json() == done.json() and again.headers["Idempotent-Replayed"] == "true"
    twice = _post(api, SURVEY, token, {"answers": {"conv2": 4}}, key="s2")
    assert twice.status_code == 409 and twice.json()["error"] == "surveys.already_answered"
    assert "只能填写一次" in twice.json()["message"]
    assert api.client.get(f"{SURVEY}/{token}").json()["state"] == "answered"

    with api.ctx.uow() as uow:
        sheet = uow.session.execute(select(SurveyResponse)).scalar_one()
        app = uow.session.execute(
            select(Application).where(Application.receipt_no == receipt)
        ).scalar_one()
        assert (sheet.channel, sheet.application_id, sheet.booth_id) == (
            "link",
            app.id,
            app.booth_id,
        )
        rows = uow.session.execute(select(SurveyAnswer.item_code, SurveyAnswer.value)).all()
        answers = {code: value for code, value in rows}
        assert answers == {"conv1": 5, "tru3": 1}
        recorded = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "survey_response.recorded")
        ).scalar_one()
        assert recorded.actor_id == str(link_actor(token).id)
        assert recorded.data["channel"] == "link"
    assert _count(api, AuditEntry, AuditEntry.action == "survey_link.refused") == 2


def test_a_kiosk_rating_opens_the_survey_and_a_kiosk_sheet_closes_it(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    receipt, token = _processed(booth, world)
    assert booth.post("/api/v1/ratings", {"receipt_no": receipt, "level": 4}).status_code == 201
    assert api.client.get(f"{SURVEY}/{token}").json()["state"] == "open"
    kiosk = booth.post(
        "/api/v1/surveys/service_quality/responses",
        {"receipt_no": receipt, "answers": {"rel1": 3}},
        key="kiosk-1",
    )
    assert kiosk.status_code == 201, kiosk.text
    assert api.client.get(f"{SURVEY}/{token}").json()["state"] == "answered"
    r = _post(api, SURVEY, token, {"answers": {"conv1": 5}}, key="s1")
    assert r.status_code == 409 and r.json()["error"] == "surveys.already_answered"
    assert _count(api, SurveyResponse) == 1


def test_expired_unknown_and_malformed_links_are_refused_without_a_500(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    _receipt, token = _processed(booth, world)
    assert _post(api, RATE, token, {"level": 5}, key="r1").status_code == 201
    used_page = api.client.get(f"/r/{token}")  # a used link's page still has the survey's place
    assert used_page.status_code == 409 and 'id="survey"' in used_page.text
    unknown = "x" * 40
    assert 'id="survey"' not in api.client.get(f"/r/{unknown}").text
    assert api.client.get(f"{SURVEY}/{unknown}").json()["error"] == "ratings.link_unknown"
    r = _post(api, SURVEY, unknown, {"answers": {"conv1": 5}}, key="u")
    assert r.status_code == 404 and r.json()["error"] == "ratings.link_unknown"
    for bad in ("abc", "%3Cscript%3E" * 3, "y" * 65):
        assert api.client.get(f"{SURVEY}/{bad}").status_code in (404, 422)
        r = _post(api, SURVEY, bad, {"answers": {"conv1": 5}}, key="m")
        assert r.status_code in (404, 422) and "error" in r.json()

    api.clock.set(api.clock.now() + timedelta(days=api.ctx.settings.rating_link_ttl_days))
    expired_page = api.client.get(f"/r/{token}")  # used stays used: the survey's API says why
    assert expired_page.status_code == 409
    shown = api.client.get(f"{SURVEY}/{token}")
    assert shown.status_code == 410 and shown.json()["error"] == "ratings.link_expired"
    late = _post(api, SURVEY, token, {"answers": {"conv1": 5}}, key="late")
    assert late.status_code == 410 and late.json()["error"] == "ratings.link_expired"
    assert "已过期" in late.json()["message"]
    assert _count(api, SurveyResponse) == 0


def test_the_survey_counts_against_the_source_with_the_rating_routes(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    _receipt, token = _processed(booth, world)
    api.ctx.settings.rating_link_source_max_requests = 3
    assert api.client.get(f"{RATE}/{token}").status_code == 200
    assert _post(api, RATE, token, {"level": 5}, key="r1").status_code == 201
    assert api.client.get(f"{SURVEY}/{token}").status_code == 200
    locked = _post(api, SURVEY, token, {"answers": {"conv1": 5}}, key="s1")
    assert locked.status_code == 429 and locked.json()["error"] == "ratings.too_many_requests"
    assert int(locked.headers["Retry-After"]) > 0
    shown = api.client.get(f"{SURVEY}/{token}")
    assert shown.status_code == 429 and int(shown.headers["Retry-After"]) > 0
    assert api.client.get(f"{RATE}/{token}").status_code == 429
    assert _count(api, SurveyResponse) == 0
