"""The kiosk's optional survey through the node API: checked on the booth, stored in the
outbox, delivered to the centre linked to the session's application; a bad sheet is refused
on the kiosk and never queued."""

from __future__ import annotations

from typing import Any

from gangting.applications.models import Application
from gangting.surveys.models import SurveyAnswer, SurveyResponse
from tests.desks.conftest import Api
from tests.node.conftest import Node


def test_a_survey_after_a_payment_reaches_the_centre_for_its_application(
    api: Api, node: Node, world: dict[str, Any]
) -> None:
    node.begin(world["driver"])
    processed = node.client.post(
        "/kiosk/api/violations/process", json={"violation_refs": [world["v1"]]}
    )
    decision_no = processed.json()["decisions"][0]["decision_no"]
    paid = node.client.post("/kiosk/api/payments", json={"decision_nos": [decision_no]})
    assert paid.status_code == 201, paid.text
    shown = node.client.get("/kiosk/api/survey")
    assert shown.status_code == 200 and shown.json()["code"] == "service_quality"
    sent = node.client.post("/kiosk/api/survey", json={"answers": {"conv1": 5, "rel2": None}})
    assert sent.status_code == 202, sent.text
    assert sent.json()["answered"] == 1
    drained = node.kiosk.outbox.drain_once(force=True)
    assert drained.refused == 0 and node.kiosk.outbox.refused_count() == 0
    with api.ctx.uow() as uow:
        response = uow.session.query(SurveyResponse).one()
        assert response.channel == "kiosk"
        application = uow.session.get(Application, response.application_id)
        assert application is not None
        assert application.receipt_no == paid.json()["application_no"]
        answers = {a.item_code: a.value for a in uow.session.query(SurveyAnswer)}
        assert answers == {"conv1": 5}


def test_a_bad_sheet_is_refused_on_the_kiosk_and_never_queued(
    node: Node, world: dict[str, Any]
) -> None:
    node.begin(world["driver"])
    for answers, words in (({"conv1": 0}, "超出量表范围"), ({}, "至少需要回答一道题目")):
        r = node.client.post("/kiosk/api/survey", json={"answers": answers})
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "surveys.bad_answers"
        assert words in r.json()["message"]
    assert node.kiosk.outbox.pending() == 0
