"""One help call, two transports: a kiosk's help call may reach the centre by MQTT and by
HTTP (a node that published it, died before the broker's acknowledgement and came back
without the broker, sends the same outbox row over HTTP). The call's own id travels on both
paths, so the centre stores one call and raises one alert, in either order."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import pytest

from gangting.alerts.models import Alert
from gangting.audit.models import AuditEntry
from gangting.booths.models import HelpCall
from gangting.booths.payloads import encode
from gangting.booths.topics import help_calls_topic
from gangting.devices.ingest import InboundRouter
from gangting.node.mqtt_runtime import HELP_CALLS_PATH, help_call_id, help_call_report
from gangting.node.outbox import Outbox
from tests.desks.conftest import Api, Booth
from tests.node.conftest import Node, count


def _help_row(api: Api, outbox: Outbox) -> Any:
    """The node's help-call row; the centre's (fixed) clock is set to the node's time of the
    call, as a synchronised centre's would be (a booth's time must lie near the centre's)."""
    (row,) = outbox.pending_for([HELP_CALLS_PATH], after_id=0, limit=10)
    api.clock.set(datetime.fromisoformat(json.loads(row["body"])["at"]))
    return row


def _by_mqtt(api: Api, code: str, row: Any) -> str:
    report = help_call_report(json.loads(row["body"]), row["key"])
    outcome = InboundRouter(api.ctx.uow).handle(help_calls_topic(code), encode(report))
    assert outcome.status in ("applied", "unchanged"), outcome
    return str(report.id)


@pytest.mark.parametrize("first", ["mqtt", "http"])
def test_a_help_call_that_arrives_by_mqtt_and_by_http_is_stored_once(
    api: Api, node: Node, first: str
) -> None:
    node.link.down = True  # the row stays in the outbox
    assert node.client.post("/kiosk/api/help", json={"note": "读卡器不灵"}).status_code == 202
    row = _help_row(api, node.kiosk.outbox)
    node.link.down = False
    code = node.settings.booth_code

    if first == "mqtt":
        sent_id = _by_mqtt(api, code, row)
        assert node.kiosk.outbox.drain_once(force=True).waiting == 0  # then by HTTP
    else:
        assert node.kiosk.outbox.drain_once(force=True).waiting == 0
        sent_id = _by_mqtt(api, code, row)

    assert sent_id == json.loads(row["body"])["id"]
    assert count(api, HelpCall) == 1
    assert count(api, HelpCall, HelpCall.id == uuid.UUID(sent_id)) == 1  # the kiosk's id
    assert count(api, Alert, Alert.kind == "help_call") == 1
    assert count(api, AuditEntry, AuditEntry.action == "help_call.opened") == 1


def test_a_row_written_before_ids_keeps_the_id_from_its_key(node: Node) -> None:
    key = f"{node.settings.booth_code}:outbox:0123456789abcdef0123456789abcdef"
    body = {"kind": "assistance", "note": None, "at": "2026-11-26T10:00:00+08:00"}
    assert help_call_report(body, key).id == help_call_id(key)
    assert help_call_report(body, key).id.hex == "0123456789abcdef0123456789abcdef"


def test_another_booth_cannot_reuse_a_help_call_id(api: Api, node: Node) -> None:
    node.link.down = True
    assert node.client.post("/kiosk/api/help", json={}).status_code == 202
    row = _help_row(api, node.kiosk.outbox)
    node.link.down = False
    assert node.kiosk.outbox.drain_once(force=True).waiting == 0
    body = json.loads(row["body"])
    other = Booth(api, api.login_booth("BT-QS-001"))
    r = other.post("/api/v1/help-calls", {"id": body["id"], "kind": "assistance"})
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "booths.help_call_id_taken"
    assert count(api, HelpCall) == 1
