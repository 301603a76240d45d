"""What booths report to the centre: ratings (好差评), help calls, telemetry, printed
receipts; and the violations preview, which writes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from gangting.applications.models import Application
from gangting.audit.models import AuditEntry
from gangting.booths.models import BoothState, HelpCall, ReceiptPrint, TelemetryReading
from gangting.fines.models import PenaltyDecision
from gangting.points.models import PointEntry
from gangting.ratings.models import BadReviewRemedy, Rating
from tests.desks.conftest import Api, Booth


def _count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def _receipt(booth: Booth, world: dict[str, Any]) -> str:
    r = booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    assert r.status_code == 200, r.text
    return str(r.json()["receipt_no"])


def test_preview_tells_what_processing_would_do_and_writes_nothing(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    audits = _count(api, AuditEntry)
    r = booth.post(
        "/api/v1/violations/preview", {"violation_refs": [world["v1"], world["v2"], "WF-NONE"]}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [d["points"] for d in body["decisions"]] == [6, 1]
    assert body["points_this_cycle"] == 7 and body["points_before"] == 0
    assert body["decisions"][0]["due_on"] == "2026-12-11"
    assert "加处罚款" in body["late_fee_notice"]
    assert body["processable"] is False
    assert body["refusals"][0]["error"] == "violations.not_found"
    assert "decision_no" not in body["decisions"][0]
    assert _count(api, PenaltyDecision) == 0
    assert _count(api, PointEntry) == 0
    assert _count(api, Application) == 0
    assert _count(api, AuditEntry) == audits


def test_preview_and_process_agree(api: Api, booth: Booth, world: dict[str, Any]) -> None:
    refs = {"violation_refs": [world["v1"], world["v2"]]}
    preview = booth.post("/api/v1/violations/preview", refs).json()
    done = booth.post("/api/v1/violations/process", refs).json()
    strip = [{k: v for k, v in d.items() if k != "decision_no"} for d in done["decisions"]]
    assert strip == preview["decisions"]
    assert done["points_this_cycle"] == preview["points_this_cycle"]
    again = booth.post("/api/v1/violations/preview", refs).json()
    assert {r["error"] for r in again["refusals"]} == {"violations.already_processed"}


def test_a_bad_rating_opens_a_remedy_with_a_deadline_in_working_days(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    receipt = _receipt(booth, world)
    body = {
        "receipt_no": receipt,
        "level": "unsatisfied",
        "reason": "排队太久",
        "booth": "BT-KDL-001",
    }
    r = booth.post("/api/v1/ratings", body, key="rate-1")
    assert r.status_code == 201, r.text
    # Thu + 5 working days to fix, + 1 to reach the citizen; the booth's unit takes it at once
    assert r.json()["remedy"] == {
        "state": "assigned",
        "due_on": "2026-12-03",
        "contact_due_on": "2026-11-27",
    }
    again = booth.post("/api/v1/ratings", body, key="rate-1")
    assert again.json() == r.json() and again.headers.get("Idempotent-Replayed") == "true"
    other = booth.post("/api/v1/ratings", {"receipt_no": receipt, "level": 5}, key="rate-2")
    assert other.status_code == 409
    assert other.json()["error"] == "ratings.already_rated"
    assert _count(api, Rating) == 1
    assert _count(api, BadReviewRemedy) == 1


def test_ratings_need_a_known_level_and_a_reason_when_bad(api: Api, booth: Booth) -> None:
    r = booth.post("/api/v1/ratings", {"level": 1})
    assert r.status_code == 422
    assert r.json()["error"] == "ratings.reason_required"
    assert booth.post("/api/v1/ratings", {"level": "great"}).status_code == 422
    good = booth.post("/api/v1/ratings", {"level": "very_satisfied"})
    assert good.status_code == 201 and good.json()["remedy"] is None
    assert _count(api, BadReviewRemedy) == 0


def test_a_booth_reports_only_for_itself(api: Api, booth: Booth) -> None:
    r = booth.post("/api/v1/help-calls", {"booth": "BT-QS-001", "kind": "assistance"})
    assert r.status_code == 403
    assert r.json()["error"] == "booths.mismatch"
    assert _count(api, HelpCall) == 0


def test_help_calls_are_idempotent_by_key(api: Api, booth: Booth) -> None:
    body = {"booth": "BT-KDL-001", "kind": "assistance", "note": "老人需要帮助"}
    first = booth.post("/api/v1/help-calls", body, key="help-1")
    second = booth.post("/api/v1/help-calls", body, key="help-1")
    assert first.status_code == second.status_code == 201
    assert _count(api, HelpCall) == 1
    assert _count(api, AuditEntry, AuditEntry.action == "help_call.opened") == 1


def test_telemetry_keeps_history_and_a_current_state_that_an_old_reading_never_overwrites(
    api: Api, booth: Booth
) -> None:
    new = {"kind": "door", "value": "open", "at": "2026-11-26T10:05:00+08:00"}
    old = {"kind": "door", "value": "closed", "at": "2026-11-26T09:00:00+08:00"}
    assert booth.post("/api/v1/booths/telemetry", new).status_code == 201
    r = booth.post("/api/v1/booths/telemetry", old)
    assert r.status_code == 201
    assert r.json()["state"]["door"]["value"] == "open"
    temp = booth.post("/api/v1/booths/telemetry", {"kind": "temperature_c", "value": 24.5})
    assert temp.json()["state"]["temperature_c"]["value"] == 24.5
    assert _count(api, TelemetryReading) == 3
    assert _count(api, BoothState) == 1


def test_integer_telemetry_values_of_0_and_1_stay_integers(api: Api, booth: Booth) -> None:
    one = booth.post("/api/v1/booths/telemetry", {"kind": "queue_length", "value": 1})
    assert one.status_code == 201, one.text
    assert one.json()["state"]["queue_length"]["value"] == 1
    assert one.json()["state"]["queue_length"]["value"] is not True
    flag = booth.post("/api/v1/booths/telemetry", {"kind": "flood_sensor", "value": True})
    assert flag.status_code == 201, flag.text
    assert flag.json()["state"]["flood_sensor"]["value"] is True


def test_printed_receipts_are_recorded_for_known_receipts_only(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    receipt = _receipt(booth, world)
    ok = booth.post("/api/v1/receipts/printed", {"receipt_no": receipt, "booth": "BT-KDL-001"})
    assert ok.status_code == 201, ok.text
    unknown = booth.post("/api/v1/receipts/printed", {"receipt_no": "SL20261126XXXXXXXX"})
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "booths.receipt_unknown"
    assert _count(api, ReceiptPrint) == 1


def test_a_help_call_opens_one_alert(api: Api, booth: Booth) -> None:
    from gangting.alerts.models import Alert

    body = {"booth": "BT-KDL-001", "kind": "assistance", "note": "老人需要帮助"}
    assert booth.post("/api/v1/help-calls", body, key="help-a").status_code == 201
    assert booth.post("/api/v1/help-calls", body, key="help-a").status_code == 201  # a retry
    assert _count(api, Alert, Alert.kind == "help_call", Alert.state == "open") == 1


def test_telemetry_faults_open_and_clear_booth_fault_alerts(api: Api, booth: Booth) -> None:
    from gangting.alerts.models import Alert

    def paper(value: str, at: str) -> None:
        body = {"kind": "paper", "value": value, "at": f"2026-11-26T{at}+08:00"}
        assert booth.post("/api/v1/booths/telemetry", body).status_code == 201

    paper("out", "10:00:00")
    paper("out", "10:01:00")  # still out: the same alert
    faults = [Alert.kind == "booth_fault"]
    assert _count(api, Alert, *faults) == 1
    paper("ok", "10:05:00")
    with api.ctx.uow() as uow:
        alert = uow.session.execute(select(Alert).where(*faults)).scalar_one()
        assert alert.cleared_at is not None and alert.state == "open"  # a person closes it
    # too hot by the configured limit (GANGTING_BOOTH_MAX_TEMPERATURE_C, default 50)
    hot = {"kind": "temperature_c", "value": 55.0, "at": "2026-11-26T10:04:00+08:00"}
    assert booth.post("/api/v1/booths/telemetry", hot).status_code == 201
    assert _count(api, Alert, *faults) == 2
