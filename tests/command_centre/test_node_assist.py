"""The booth node's side of remote assist (node/assist.py) against the real centre app: the
node's HTTP client reaches it through a link that can go down or lose an answer."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from gangting.node.assist import AssistRelay
from gangting.node.centre import CentreClient
from tests import builders
from tests.command_centre.conftest import Centre
from tests.node.conftest import CentreLink


def relay_for(centre: Centre, code: str = "BT-KDL-001") -> tuple[AssistRelay, CentreLink]:
    link = CentreLink(centre.client)
    client = CentreClient("http://centre", code, builders.BOOTH_SECRET, transport=link)
    return AssistRelay(client, wait_s=0), link


def session_of(centre: Centre, relay: AssistRelay) -> dict[str, Any]:
    assert relay.session is not None
    r = centre.get("sup-kdl", f"/api/v1/centre/assist/{relay.session['id']}")
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def test_a_help_call_opens_the_session_and_reports_the_screen(centre: Centre) -> None:
    relay, _ = relay_for(centre)
    relay.report_screen("services", "violations", False)
    relay.open()
    assert relay.view()["state"] == "opening"
    assert relay.sync_once()
    assert relay.view()["state"] == "waiting"
    seen = session_of(centre, relay)
    assert seen["screen"]["screen_zh"] == "选择业务"
    assert seen["screen"]["service_zh"] == "违法处理与缴款"


def test_the_operator_s_messages_and_hints_reach_the_kiosk(centre: Centre) -> None:
    relay, _ = relay_for(centre)
    relay.open()
    assert relay.sync_once()
    assert relay.session is not None
    sid = relay.session["id"]
    centre.post("off-kdl-1", f"/api/v1/centre/assist/{sid}/join")
    centre.post("off-kdl-1", f"/api/v1/centre/assist/{sid}/hints", {"text": "请正视摄像头"})
    assert relay.sync_once()
    view = relay.view()
    assert view["state"] == "active" and view["operator"] == "off-kdl-1"
    assert view["hint"] == "请正视摄像头"
    assert [m["sender"] for m in view["messages"]] == ["operator", "operator"]
    assert relay.view(since_seq=view["messages"][-1]["seq"])["messages"] == []


def test_a_citizen_message_whose_answer_was_lost_is_recorded_once(centre: Centre) -> None:
    relay, link = relay_for(centre)
    relay.open()
    assert relay.sync_once()
    relay.say("我不会操作")
    link.lose_answers = True
    assert not relay.sync_once()  # arrived and committed, the answer was lost
    assert relay.view()["sending"] == ["我不会操作"]
    link.lose_answers = False
    assert relay.sync_once()  # sent again with the same id
    seen = session_of(centre, relay)
    assert [m["text"] for m in seen["messages"] if m["sender"] == "citizen"] == ["我不会操作"]
    assert relay.view()["sending"] == []


def test_the_conversation_ends_with_the_citizen(centre: Centre) -> None:
    relay, _ = relay_for(centre)
    relay.open()
    assert relay.sync_once()
    assert relay.session is not None
    sid = relay.session["id"]
    centre.post("off-kdl-1", f"/api/v1/centre/assist/{sid}/join")
    assert relay.sync_once()
    relay.leave()
    assert relay.view() == {
        "session_id": None,
        "active": False,
        "state": None,
        "operator": None,
        "messages": [],
        "sending": [],
        "hint": None,
        "centre_reachable": True,
    }
    relay._leave_once()
    closed = centre.get("off-kdl-1", f"/api/v1/centre/assist/{sid}").json()
    assert closed["state"] == "closed" and closed["closed_by"] == "BT-KDL-001"
    assert closed["messages"][-1]["sender"] == "system"


def test_a_centre_that_is_away_is_retried(centre: Centre) -> None:
    relay, link = relay_for(centre)
    relay.open()
    link.down = True
    assert not relay.sync_once()
    assert relay.view()["centre_reachable"] is False
    assert relay.view()["state"] == "opening"  # still asking
    link.down = False
    assert relay.sync_once()
    assert relay.view()["state"] == "waiting"
    assert isinstance(centre.client, TestClient)
