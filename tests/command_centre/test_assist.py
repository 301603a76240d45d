"""Remote assist through the centre's API: the booth node's sync and the operator's calls,
live events through Mosquitto waking the node's long poll."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from tests.command_centre.conftest import Centre

SYNC = "/api/v1/booth/assist/sync"


def sync(centre: Centre, code: str = "BT-KDL-001", **body: Any) -> dict[str, Any]:
    r = centre.client.post(
        SYNC, json=body, headers={"Authorization": f"Bearer {centre.booth_token(code)}"}
    )
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def opened(centre: Centre) -> dict[str, Any]:
    first = sync(
        centre,
        open=True,
        screen={"screen": "identify", "service": None, "elder": False, "screen_elapsed_s": 30},
    )
    session: dict[str, Any] = first["session"]
    assert session["state"] == "waiting"
    return session


def test_a_help_call_opens_a_session_the_operator_joins_and_talks_in(centre: Centre) -> None:
    session = opened(centre)
    listed = centre.get("sup-kdl", "/api/v1/centre/assist").json()["sessions"]
    assert [s["id"] for s in listed] == [session["id"]]
    assert listed[0]["screen"]["screen_zh"] == "身份核验"
    assert listed[0]["screen"]["step"] == 1

    joined = centre.post("off-kdl-1", f"/api/v1/centre/assist/{session['id']}/join")
    assert joined.status_code == 200, joined.text
    assert joined.json()["state"] == "active" and joined.json()["operator"] == "off-kdl-1"
    said = centre.post(
        "off-kdl-1",
        f"/api/v1/centre/assist/{session['id']}/messages",
        {"text": "请问哪里不会操作？"},
    )
    assert said.status_code == 200, said.text
    hinted = centre.post(
        "off-kdl-1",
        f"/api/v1/centre/assist/{session['id']}/hints",
        {"text": "请将身份证放在读卡区，保持不动"},
    )
    assert hinted.json()["message"]["kind"] == "hint"

    node = sync(centre, session_id=session["id"], since_seq=0)
    assert [(m["sender"], m["kind"]) for m in node["messages"]] == [
        ("operator", "text"),  # the greeting on joining
        ("operator", "text"),
        ("operator", "hint"),
    ]
    cursor = node["messages"][-1]["seq"]
    reply = sync(
        centre,
        session_id=session["id"],
        since_seq=cursor,
        messages=[{"client_id": "kiosk-msg-00001", "text": "读卡器读不出 150203199001011234"}],
    )
    (mine,) = reply["messages"]
    assert mine["sender"] == "citizen"
    assert mine["text"] == "读卡器读不出 150203********1234"  # never stored in clear
    again = sync(
        centre,
        session_id=session["id"],
        since_seq=cursor,
        messages=[{"client_id": "kiosk-msg-00001", "text": "读卡器读不出 150203199001011234"}],
    )
    assert len(again["messages"]) == 1  # a retried sync adds the message once

    closed = centre.post(
        "off-kdl-1", f"/api/v1/centre/assist/{session['id']}/close", {"note": "已指导完成"}
    )
    assert closed.json()["state"] == "closed"
    after = sync(centre, session_id=session["id"], since_seq=mine["seq"])
    assert after["session"]["state"] == "closed"
    assert after["messages"][-1]["text"].startswith("本次远程协助已结束")
    # the next help call opens a new session
    assert sync(centre, open=True)["session"]["id"] != session["id"]


def test_the_node_long_poll_wakes_when_the_operator_writes(centre: Centre) -> None:
    session = opened(centre)
    assert centre.post("sup-kdl", f"/api/v1/centre/assist/{session['id']}/join").status_code == 200
    cursor = sync(centre, session_id=session["id"])["session"]["last_seq"]
    answer: dict[str, Any] = {}

    def poll() -> None:
        started = time.monotonic()
        answer.update(sync(centre, session_id=session["id"], since_seq=cursor, wait_s=4))
        answer["elapsed_s"] = time.monotonic() - started

    waiting = threading.Thread(target=poll)
    waiting.start()
    time.sleep(0.5)
    centre.post("sup-kdl", f"/api/v1/centre/assist/{session['id']}/messages", {"text": "马上到"})
    waiting.join(10)
    assert [m["text"] for m in answer["messages"]] == ["马上到"]
    assert answer["elapsed_s"] < 3.0  # woken by the live event, not by the 4 s timeout


def test_a_sync_without_a_session_and_without_help_opens_nothing(centre: Centre) -> None:
    assert sync(centre, open=False) == {"session": None, "messages": []}
    assert centre.get("admin", "/api/v1/centre/assist").json()["sessions"] == []


def test_staff_of_another_brigade_cannot_see_or_join(centre: Centre) -> None:
    session = opened(centre)
    assert centre.get("sup-qs", "/api/v1/centre/assist").json()["sessions"] == []
    r = centre.post("sup-qs", f"/api/v1/centre/assist/{session['id']}/join")
    assert r.status_code == 403, r.text
    assert centre.get("sup-qs", f"/api/v1/centre/assist/{session['id']}").status_code == 403


def test_one_operator_at_a_time_and_only_after_joining(centre: Centre) -> None:
    session = opened(centre)
    early = centre.post(
        "off-kdl-1", f"/api/v1/centre/assist/{session['id']}/messages", {"text": "你好"}
    )
    assert early.status_code == 409 and early.json()["error"] == "assist.state_conflict"
    assert (
        centre.post("off-kdl-1", f"/api/v1/centre/assist/{session['id']}/join").status_code == 200
    )
    other = centre.post("off-kdl-2", f"/api/v1/centre/assist/{session['id']}/join")
    assert other.status_code == 409
    assert "其他人员" in other.json()["message"]
    # a supervisor may step into an officer's session
    ok = centre.post(
        "sup-kdl", f"/api/v1/centre/assist/{session['id']}/messages", {"text": "督察接管"}
    )
    assert ok.status_code == 200


def test_the_kiosk_reports_only_listed_screen_names(centre: Centre) -> None:
    session = opened(centre)
    sync(
        centre,
        session_id=session["id"],
        screen={
            "screen": "payment-secret",
            "service": "violations",
            "elder": True,
            "screen_elapsed_s": 5,
        },
    )
    detail = centre.get("sup-kdl", f"/api/v1/centre/assist/{session['id']}").json()
    assert detail["screen"]["screen"] == "other"
    assert detail["screen"]["service_zh"] == "违法处理与缴款"
    assert detail["screen"]["elder"] is True
    bad = centre.client.post(
        SYNC,
        json={"session_id": session["id"], "screen": {"screen": "150203199001011234"}},
        headers={"Authorization": f"Bearer {centre.booth_token('BT-KDL-001')}"},
    )
    assert bad.status_code == 422


def test_a_booth_cannot_follow_another_booths_session(centre: Centre) -> None:
    session = opened(centre)
    r = centre.client.post(
        SYNC,
        json={"session_id": session["id"]},
        headers={"Authorization": f"Bearer {centre.booth_token('BT-QS-001')}"},
    )
    assert r.status_code == 404
    assert r.json()["error"] == "assist.not_found"
    assert uuid.UUID(session["id"])
