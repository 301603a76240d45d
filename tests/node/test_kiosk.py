"""The kiosk API against a real centre: a violation processed, paid and printed; the centre
down; a node restart; the outbox; the idle timeout; the queue."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from gangting.alerts.models import Alert
from gangting.applications.models import Application
from gangting.booths.models import BoothState, HelpCall, ReceiptPrint, TelemetryReading
from gangting.fines.models import Payment, PenaltyDecision
from gangting.node.adapters.printer import Receipt, SimulatedPrinter
from gangting.points.models import PointEntry
from gangting.ratings.models import BadReviewRemedy, Rating
from tests.desks.conftest import Api
from tests.node.conftest import Node, count


def _process(node: Node, refs: list[str]) -> Any:
    return node.client.post("/kiosk/api/violations/process", json={"violation_refs": refs})


def test_a_violation_is_previewed_processed_paid_and_printed(
    api: Api, node: Node, world: dict[str, Any]
) -> None:
    who = node.begin(world["driver"])
    assert "identity_token" not in who
    assert who["citizen"]["id_number_masked"].count("*") == 8
    overview = node.client.get("/kiosk/api/overview").json()
    assert {v["ref"] for v in overview["violations"]} == {world["v1"], world["v2"]}

    preview = node.client.post(
        "/kiosk/api/violations/preview", json={"violation_refs": [world["v1"]]}
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["decisions"][0]["points"] == 6
    assert count(api, PenaltyDecision) == 0  # preview writes nothing

    processed = _process(node, [world["v1"]])
    assert processed.status_code == 200, processed.text
    decision_no = processed.json()["decisions"][0]["decision_no"]
    paid = node.client.post("/kiosk/api/payments", json={"decision_nos": [decision_no]})
    assert paid.status_code == 201, paid.text
    assert paid.json()["state"] == "succeeded"

    printed = node.client.post("/kiosk/api/print")
    assert printed.status_code == 200, printed.text
    files = [Path(f) for f in printed.json()["files"]]
    assert all(f.exists() for f in files)
    text = files[0].read_text(encoding="utf-8")
    assert paid.json()["receipt_no"] in text
    # 好差评: the payment's one-use rating link is on the paper (docs/decisions/0022)
    assert paid.json()["rating_link"] in text and "请为本次服务评价" in text
    assert world["driver"] not in text  # no personal data on paper left behind
    node.kiosk.outbox.drain_once(force=True)
    assert count(api, ReceiptPrint) == 1


def test_payments_are_refused_when_the_centre_is_down_and_nothing_is_half_done(
    api: Api, node: Node, world: dict[str, Any]
) -> None:
    node.begin(world["driver"])
    decision_no = _process(node, [world["v1"]]).json()["decisions"][0]["decision_no"]
    node.link.down = True
    r = node.client.post("/kiosk/api/payments", json={"decision_nos": [decision_no]})
    assert r.status_code == 503
    assert r.json()["error"] == "centre.unavailable"
    assert r.json()["message"] == "服务暂不可用，请稍后再试"
    assert _process(node, [world["v2"]]).status_code == 503
    assert count(api, Payment) == 0
    assert count(api, PenaltyDecision, PenaltyDecision.state == "unpaid") == 1
    node.link.down = False
    again = node.client.post("/kiosk/api/payments", json={"decision_nos": [decision_no]})
    assert again.status_code == 201, again.text
    assert count(api, Payment) == 1


def test_the_step_key_survives_a_node_restart(api: Api, node: Node, world: dict[str, Any]) -> None:
    node.begin(world["driver"])
    node.link.lose_answers = True  # the centre commits, the answer never comes back
    assert _process(node, [world["v1"], world["v2"]]).status_code == 503
    node.link.lose_answers = False
    assert count(api, PenaltyDecision) == 2

    restarted = node.restart()  # same var dir, same cookie jar in the browser
    assert restarted.kiosk.sessions.busy is False
    session = restarted.client.post("/kiosk/api/session")
    assert session.json()["resumed"] is True
    restarted.client.post("/kiosk/api/sim/id-card", json={"id_number": world["driver"]})
    assert restarted.client.post("/kiosk/api/identify").status_code == 200
    retry = _process(restarted, [world["v1"], world["v2"]])
    assert retry.status_code == 200, retry.text
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert count(api, PenaltyDecision) == 2
    assert count(api, PointEntry) == 2


def test_the_outbox_replays_ratings_help_and_telemetry_once_the_centre_is_back(
    api: Api, node: Node, world: dict[str, Any]
) -> None:
    node.begin(world["driver"])
    assert _process(node, [world["v1"]]).status_code == 200
    node.link.down = True
    rated = node.client.post("/kiosk/api/rating", json={"level": 2, "reason": "等候时间太长"})
    assert rated.status_code == 202, rated.text
    assert node.client.post("/kiosk/api/help", json={"note": "读卡器不灵"}).status_code == 202
    sensed = node.client.post("/kiosk/api/sim/sensors", json={"door": "open"})
    assert sensed.json()["queued"] >= 1
    drained = node.kiosk.outbox.drain_once(force=True)
    assert drained.delivered == 0 and drained.waiting >= 3

    node.link.down = False
    node.link.lose_answers = True  # delivered, answers lost: the next replay must not double
    node.kiosk.outbox.drain_once(force=True)
    node.link.lose_answers = False
    drained = node.kiosk.outbox.drain_once(force=True)
    assert drained.waiting == 0
    assert node.kiosk.outbox.pending() == 0
    assert count(api, Rating) == 1
    assert count(api, BadReviewRemedy) == 1
    assert count(api, HelpCall) == 1
    assert count(api, TelemetryReading, TelemetryReading.kind == "door") == 1


def test_a_rating_after_a_payment_is_stored_for_the_payments_application(
    api: Api, node: Node, world: dict[str, Any]
) -> None:
    node.begin(world["driver"])
    decision_no = _process(node, [world["v1"]]).json()["decisions"][0]["decision_no"]
    paid = node.client.post("/kiosk/api/payments", json={"decision_nos": [decision_no]})
    assert paid.status_code == 201, paid.text
    payment = paid.json()
    assert payment["receipt_no"].startswith("PJ") and payment["application_no"].startswith("SL")
    rated = node.client.post("/kiosk/api/rating", json={"level": 5})
    assert rated.status_code == 202, rated.text
    assert rated.json()["receipt_no"] == payment["application_no"]
    drained = node.kiosk.outbox.drain_once(force=True)
    assert drained.refused == 0 and node.kiosk.outbox.refused_count() == 0
    with api.ctx.uow() as uow:
        rating = uow.session.query(Rating).one()
        application = uow.session.get(Application, rating.application_id)
        assert application is not None
        assert application.receipt_no == payment["application_no"]
        assert application.service_item == "pay_fines"


def test_a_report_the_centre_refuses_is_kept_shown_and_raises_an_alert(
    api: Api, node: Node, world: dict[str, Any]
) -> None:
    node.begin(world["driver"])
    assert _process(node, [world["v1"]]).status_code == 200
    assert node.client.post("/kiosk/api/rating", json={"level": 5}).status_code == 202
    assert node.kiosk.outbox.drain_once(force=True).refused == 0
    # the same application rated twice: the centre refuses the second (one rating each)
    assert node.client.post("/kiosk/api/rating", json={"level": 4}).status_code == 202
    drained = node.kiosk.outbox.drain_once(force=True)
    assert drained.refused == 1
    status = node.client.get("/kiosk/api/status").json()
    assert status["outbox_refused"] == 1
    assert status["outbox_refusals"][0]["path"] == "/api/v1/ratings"
    assert status["outbox_refusals"][0]["error"].startswith("ratings.already_rated")
    # the refusal went out as telemetry at once: the centre shows it and raises an alert
    assert node.kiosk.outbox.drain_once(force=True).refused == 0
    assert count(api, Rating) == 1
    with api.ctx.uow() as uow:
        state = uow.session.query(BoothState).one()
        assert state.values["outbox_refused"]["value"] == 1
        alert = uow.session.query(Alert).filter(Alert.kind == "booth_fault").one()
        assert alert.state == "open" and "岗亭上报被中心拒收" in alert.title


def test_a_bad_rating_without_a_reason_is_refused_on_the_kiosk(
    node: Node, world: dict[str, Any]
) -> None:
    node.begin(world["driver"])
    r = node.client.post("/kiosk/api/rating", json={"level": "very_unsatisfied"})
    assert r.status_code == 422
    assert r.json()["error"] == "ratings.reason_required"
    assert node.client.post("/kiosk/api/rating", json={"level": 9}).status_code == 422
    assert node.kiosk.outbox.pending() == 0


def test_idle_timeout_and_finish_wipe_the_session(node: Node, world: dict[str, Any]) -> None:
    node.begin(world["driver"])
    session = node.kiosk.sessions._current
    assert session is not None and session.identity_token and session.citizen
    node.clock.advance(121)
    r = node.client.get("/kiosk/api/overview")
    assert r.status_code == 401
    assert r.json()["error"] == "kiosk.session_required"
    assert session.identity_token is None and session.citizen is None
    assert node.kiosk.sessions._current is None

    node.begin(world["driver"])
    session = node.kiosk.sessions._current
    assert session is not None
    assert node.client.post("/kiosk/api/finish").json() == {"finished": True}
    assert session.identity_token is None and session.citizen is None and not session.applications
    assert node.client.get("/kiosk/api/overview").status_code == 401


def test_a_queue_number_comes_with_an_estimated_wait(node: Node, world: dict[str, Any]) -> None:
    node.begin(world["driver"])
    first = node.client.post("/kiosk/api/queue").json()
    second = node.client.post("/kiosk/api/queue").json()
    assert (first["number"], second["number"]) == ("A001", "A002")
    assert second["waiting_ahead"] == 1
    assert second["estimated_wait_s"] > first["estimated_wait_s"] > 0
    status = node.client.get("/kiosk/api/status").json()
    assert status["queue"]["waiting"] == 2
    assert status["session_active"] is True
    assert status["centre_online"] is True


def test_the_printer_simulator_writes_a_receipt_file(tmp_path: Path) -> None:
    printer = SimulatedPrinter(tmp_path / "receipts")
    files = printer.print_receipt(Receipt("SL20261126ABCDEFGH", ("受理回执", "受理编号")))
    assert files[0].read_text(encoding="utf-8").startswith("受理回执")
    assert all(f.exists() and f.stat().st_size > 0 for f in files)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_spoken_prompts_are_synthesised_with_espeak_ng(node: Node) -> None:
    r = node.client.post("/kiosk/api/speak", json={"text": "请将身份证放在读卡区"})
    assert r.status_code == 200
    assert r.json()["spoken"] is True
    assert Path(r.json()["file"]).stat().st_size > 1000
