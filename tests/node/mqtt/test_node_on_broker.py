"""A booth node on the machine's Mosquitto with the centre's MQTT link: availability and
its last will, state and telemetry, plate reads and help calls through the durable outbox,
remote commands run on the node, the offline watch-list copy. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gangting.audit.models import AuditEntry
from gangting.booths import commands
from gangting.booths.models import BoothCommand, HelpCall
from gangting.node.mqtt_runtime import TELEMETRY_PATH
from gangting.node.watch_list import WatchListCopy
from gangting.plate_reads.models import PlateReadRecord
from gangting.watchlists.models import WatchListHit
from gangting.watchlists.rules import WatchListPolicy
from gangting.watchlists.service import add_manual_entry, current_version, withdraw_entry
from gangting.worker import plate_read_handler
from tests.desks.conftest import Api
from tests.devices.conftest import Registry
from tests.devices.harness import Harness, booth_state, wait_until
from tests.node.mqtt.conftest import (
    MqttNode,
    StartNode,
    plate_event,
    reported,
    supervisor,
    value,
)


def _count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def _issue(api: Api, code: str, kind: str, params: dict[str, Any]) -> uuid.UUID:
    with api.ctx.uow() as uow:
        view = commands.issue_command(uow, supervisor(api), code, kind, params, 60, None)
    return uuid.UUID(view["id"])


def _finished(api: Api, command_id: uuid.UUID) -> BoothCommand:
    def done() -> bool:
        with api.ctx.uow() as uow:
            return uow.session.get_one(BoothCommand, command_id).state in ("succeeded", "failed")

    assert wait_until(done, 15), f"command {command_id} not finished"
    with api.ctx.uow() as uow:
        command = uow.session.get_one(BoothCommand, command_id)
        uow.session.expunge(command)
    return command


def _outbox_rows(node: MqttNode) -> list[dict[str, Any]]:
    with node.kiosk.store.transaction() as db:
        return [dict(r) for r in db.execute("SELECT * FROM outbox ORDER BY id").fetchall()]


def test_a_node_comes_online_reports_state_and_telemetry_and_its_will_marks_it_offline(
    api: Api, registry: Registry, any_harness: Harness, start_node: StartNode
) -> None:
    code = registry.kdl
    any_harness.centre()
    node = start_node(any_harness.url, code)

    def online() -> bool:
        s = booth_state(api.ctx.uow, code)
        return s is not None and s.availability == "online" and value(s, "heartbeat") is not None

    assert wait_until(online), booth_state(api.ctx.uow, code)
    assert wait_until(lambda: reported(booth_state(api.ctx.uow, code), "kiosk") == "in_service")
    state = booth_state(api.ctx.uow, code)
    assert reported(state, "adapters")["printer"] == "ok"
    assert reported(state, "software_version")
    assert value(state, "queue_length") == 0 and value(state, "card_reader") == "ok"

    # Sensors: all of them at start (the node's background loop does this), then a change;
    # queued in the outbox, published over MQTT, the centre's current state.
    assert node.kiosk.report_sensors(all_kinds=True) == 5  # 4 sensors + outbox_refused
    r = node.client.post("/kiosk/api/sim/sensors", json={"door": "open", "temperature_c": 31.5})
    assert r.status_code == 200 and r.json()["queued"] == 2
    assert wait_until(
        lambda: (
            value(booth_state(api.ctx.uow, code), "door") == "open"
            and value(booth_state(api.ctx.uow, code), "temperature_c") == 31.5
        )
    )
    # A reading that can never be valid is refused on the node, not sent.
    node.kiosk.outbox.enqueue(TELEMETRY_PATH, {"kind": "temperature_c", "value": 500, "at": "x"})
    node.client.post("/kiosk/api/sim/sensors", json={"power": "battery"})
    assert wait_until(lambda: value(booth_state(api.ctx.uow, code), "power") == "battery")
    assert wait_until(lambda: node.kiosk.outbox.pending() == 0)
    states = [row["state"] for row in _outbox_rows(node)]
    # 5 at start (4 sensors + outbox_refused 0), 3 changes, and outbox_refused 1
    assert states.count("refused") == 1 and states.count("done") == 9
    assert wait_until(lambda: value(booth_state(api.ctx.uow, code), "outbox_refused") == 1)
    # One path per kind: nothing of it went over HTTP.
    assert TELEMETRY_PATH not in node.http.paths

    # Paper out: the printer's health in the state report follows.
    node.client.post("/kiosk/api/sim/sensors", json={"paper": "out"})
    assert wait_until(
        lambda: (
            (reported(booth_state(api.ctx.uow, code), "adapters") or {}).get("printer") == "fault"
        )
    )

    session = node.runtime.link.session
    node.runtime.link.abort()  # the socket dies without DISCONNECT: the broker sends the will
    assert wait_until(
        lambda: (s := booth_state(api.ctx.uow, code)) is not None and s.availability == "offline"
    )
    with api.ctx.uow() as uow:
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "booth.offline")
        ).scalar_one()
    assert entry.data["reason"] == "will" and entry.data["session"] == session


def test_a_plate_read_and_a_help_call_sent_while_the_centre_worker_is_stopped_arrive_once(
    api: Api, registry: Registry, centre_harness: Harness, start_node: StartNode
) -> None:
    code = registry.qs
    handler = plate_read_handler(api.ctx.settings)
    client_id = f"centre-test-{uuid.uuid4().hex[:8]}"
    centre = centre_harness.centre(client_id=client_id, plate_reads=handler)
    node = start_node(centre_harness.url, code)
    assert wait_until(
        lambda: (s := booth_state(api.ctx.uow, code)) is not None and s.availability == "online"
    )
    centre.stop()  # the worker is down; its persistent session keeps collecting

    node.plate_reads.emit(plate_event(code, "蒙B12345", api.clock.now()))
    node.kiosk.call_help("assistance", "岗亭求助按钮")
    # The broker took both (PUBACK): the rows are done on the node, nothing at the centre yet.
    assert wait_until(lambda: node.kiosk.outbox.pending() == 0)
    assert node.runtime.stats["delivered"] >= 2
    assert _count(api, PlateReadRecord) == 0 and _count(api, HelpCall) == 0

    again = centre_harness.centre(client_id=client_id, plate_reads=handler)
    assert wait_until(lambda: _count(api, PlateReadRecord) == 1 and _count(api, HelpCall) == 1)
    time.sleep(0.5)  # nothing more arrives: once each
    assert _count(api, PlateReadRecord) == 1 and _count(api, HelpCall) == 1
    assert again.stats["rejected"] == 0
    # One path per kind: neither went over HTTP.
    assert "/api/v1/booth/plate-reads" not in node.http.paths
    assert "/api/v1/help-calls" not in node.http.paths


def test_announcement_lock_unlock_and_restart_adapter_commands_run_on_the_node(
    api: Api, registry: Registry, centre_harness: Harness, start_node: StartNode
) -> None:
    code = registry.kdl
    node = start_node(centre_harness.url, code)
    centre_harness.centre()

    said = _finished(api, _issue(api, code, "announcement", {"text": "今日16时起岗亭设备检修"}))
    assert said.state == "succeeded", said.outcome
    assert said.outcome is not None and "屏幕" in said.outcome["detail"]
    mode = node.client.get("/kiosk/api/mode").json()
    assert mode["announcement"]["text"] == "今日16时起岗亭设备检修"

    # A citizen is in a session when the lock arrives: they finish, nobody new starts.
    assert node.client.post("/kiosk/api/session").status_code == 200
    locked = _finished(api, _issue(api, code, "lock_kiosk", {"notice": "设备检修，暂停服务"}))
    assert locked.state == "succeeded", locked.outcome
    assert locked.outcome is not None and "办理完成后" in locked.outcome["detail"]
    status = node.client.get("/kiosk/api/status").json()
    assert status["mode"]["locked"] is True and status["mode"]["notice"] == "设备检修，暂停服务"
    newcomer = TestClient(node.app).post("/kiosk/api/session")
    assert newcomer.status_code == 503
    assert newcomer.json()["error"] == "kiosk.locked"
    assert "暂停服务" in newcomer.json()["message"]
    card = {"id_number": "150203198805051234", "name": "测试群众"}
    assert node.client.post("/kiosk/api/sim/id-card", json=card).status_code == 200
    ongoing = node.client.post("/kiosk/api/identify/start")
    assert ongoing.status_code == 200, ongoing.text  # the session in progress goes on
    assert wait_until(lambda: reported(booth_state(api.ctx.uow, code), "kiosk") == "locked")

    unlocked = _finished(api, _issue(api, code, "unlock_kiosk", {}))
    assert unlocked.state == "succeeded"
    assert node.client.get("/kiosk/api/mode").json()["locked"] is False
    assert TestClient(node.app).post("/kiosk/api/session").status_code == 200
    assert wait_until(lambda: reported(booth_state(api.ctx.uow, code), "kiosk") == "in_service")

    printer = node.kiosk.hw.printer
    restarted = _finished(api, _issue(api, code, "restart_adapter", {"adapter": "printer"}))
    assert restarted.state == "succeeded" and restarted.outcome is not None
    assert restarted.outcome["detail"] == "已重启凭证打印机"
    assert node.kiosk.hw.printer is not printer
    no_camera = _finished(api, _issue(api, code, "restart_adapter", {"adapter": "plate_camera"}))
    assert no_camera.state == "failed" and no_camera.outcome is not None
    assert no_camera.outcome["error"] == "kiosk.adapter_unavailable"


def test_the_watch_list_copy_refreshes_on_command_and_marks_a_local_match(
    api: Api, registry: Registry, centre_harness: Harness, start_node: StartNode
) -> None:
    code = registry.kdl
    policy = WatchListPolicy()
    with api.ctx.uow() as uow:
        entry = add_manual_entry(
            uow,
            supervisor(api),
            plate_text="蒙B7K2M9",
            reason="协查被盗车辆，发现即拦截",
            owner="off-kdl",
            expires_at=api.clock.now() + timedelta(days=7),
            policy=policy,
        )
    node = start_node(centre_harness.url, code)
    assert node.watch_list.version is None and len(node.watch_list) == 0
    centre_harness.centre(plate_reads=plate_read_handler(api.ctx.settings))

    refreshed = _finished(api, _issue(api, code, "refresh_watch_list", {}))
    assert refreshed.state == "succeeded", refreshed.outcome
    assert refreshed.outcome is not None and "全量" in refreshed.outcome["detail"]
    assert len(node.watch_list) == 1 and node.watch_list.version
    assert wait_until(
        lambda: (
            reported(booth_state(api.ctx.uow, code), "watch_list_version")
            == str(node.watch_list.version)
        )
    )

    # A read of the listed plate: marked locally, nothing else; the centre makes the hit.
    node.plate_reads.emit(plate_event(code, "蒙B7K2M9", api.clock.now()))
    node.plate_reads.emit(plate_event(code, "蒙B12345", api.clock.now()))
    bodies = [json.loads(r["body"]) for r in _outbox_rows(node)]
    hinted = [b for b in bodies if "watch_list_hint" in b]
    assert [b["plate"] for b in hinted] == ["蒙B7K2M9"]
    assert hinted[0]["v"] == "1.1" and hinted[0]["watch_list_hint"]["entry_id"] == entry["id"]
    assert node.watch_list.hints == 1
    assert wait_until(lambda: _count(api, PlateReadRecord) == 2)
    assert wait_until(lambda: _count(api, WatchListHit) == 1)

    # Withdrawn at the centre: the next refresh is a delta that removes it; the copy is kept
    # in the node's SQLite and read back by a new copy (a restarted node).
    with api.ctx.uow() as uow:
        withdraw_entry(uow, supervisor(api), uuid.UUID(entry["id"]), "车辆已找回")
    delta = node.watch_list.refresh()
    assert not delta.full and delta.removals == 1 and delta.size == 0
    with api.ctx.uow() as uow:
        version, _ = current_version(uow)
    assert node.watch_list.version == version
    again = WatchListCopy(node.kiosk.store, node.kiosk.centre)
    assert again.version == version and len(again) == 0
