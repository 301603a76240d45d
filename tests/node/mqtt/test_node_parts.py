"""The node's MQTT-side parts without a broker: the kiosk mode (lock, banner), the outbox
split between HTTP and another deliverer, the adapters' restart and health, the message
ids of help calls; and a node without a broker (HTTP only) keeping its old paths, with the
lock and the watch-list hint working there too."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from gangting.node.adapters.face_camera import SimulatedFaceCamera
from gangting.node.adapters.id_reader import SimulatedIdReader
from gangting.node.app import simulated_hardware
from gangting.node.centre import CentreClient
from gangting.node.commands import Adapters, AdapterUnavailable, camera_status
from gangting.node.config import NodeSettings
from gangting.node.kiosk_mode import KioskLocked, KioskMode
from gangting.node.mqtt_runtime import MQTT_PATHS, camera_kind, help_call_id
from gangting.node.outbox import Outbox
from gangting.node.service import KioskService
from gangting.node.store import NodeStore
from gangting.node.watch_list import HintingOutboxSink, WatchListCopy
from gangting.plate_reads.models import PlateReadRecord
from gangting.watchlists.rules import WatchListPolicy
from gangting.watchlists.service import add_manual_entry
from tests.desks.conftest import Api
from tests.devices.harness import wait_until
from tests.node.conftest import FakeMonotonic, Node, count
from tests.node.mqtt.conftest import plate_event, supervisor


def _store(tmp_path: Path) -> NodeStore:
    return NodeStore(tmp_path / "booth.db")


def test_a_locked_kiosk_refuses_new_sessions_and_stays_locked_after_a_restart(
    tmp_path: Path,
) -> None:
    store = _store(tmp_path)
    heard: list[str] = []
    mode = KioskMode(store)
    mode.on_change(lambda: heard.append(mode.kiosk_state))
    assert mode.lock("设备检修") is True and mode.lock("设备检修") is False
    with pytest.raises(KioskLocked) as refused:
        mode.require_open()
    assert refused.value.http_status == 503 and refused.value.message == "暂停服务：设备检修"
    mode.require_open(finishing=True)  # a citizen finishing unanswered steps is let in
    assert KioskMode(store).locked  # a restarted node comes back locked
    assert mode.unlock() is True and not KioskMode(store).locked
    assert heard == ["locked", "in_service"]


def test_an_announcement_stays_on_the_banner_for_its_time(tmp_path: Path) -> None:
    clock = FakeMonotonic()
    mode = KioskMode(_store(tmp_path), display_s=60, clock=clock)
    mode.announce("请注意交通安全")
    assert mode.view()["announcement"]["text"] == "请注意交通安全"
    clock.advance(59)
    assert mode.view()["announcement"]["seconds_left"] == 1
    clock.advance(1)
    assert mode.view()["announcement"] is None


def _centre(paths: list[str]) -> CentreClient:
    def answer(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path == "/api/v1/auth/booth":
            return httpx.Response(200, json={"access_token": "t"})
        return httpx.Response(201, json={})

    return CentreClient("http://centre", "BT-T-001", "s", transport=httpx.MockTransport(answer))


def test_the_http_drainer_leaves_the_kinds_another_deliverer_carries(tmp_path: Path) -> None:
    paths: list[str] = []
    outbox = Outbox(_store(tmp_path), _centre(paths))
    woken: list[int] = []
    outbox.on_enqueue(lambda: woken.append(1))
    outbox.deliver_elsewhere(MQTT_PATHS)
    for path in (*MQTT_PATHS, "/api/v1/ratings"):
        outbox.enqueue(path, {"n": 1})
    assert outbox.drain_once(force=True).delivered == 1
    assert paths == ["/api/v1/auth/booth", "/api/v1/ratings"]
    rows = outbox.pending_for(MQTT_PATHS, after_id=0, limit=10)
    assert [r["path"] for r in rows] == list(MQTT_PATHS) and len(woken) == 4
    outbox.mark([rows[0]["id"]], "done")
    outbox.mark([rows[1]["id"]], "refused", "booths.payload_invalid")
    assert [r["id"] for r in outbox.pending_for(MQTT_PATHS, after_id=0, limit=10)] == [
        rows[2]["id"]
    ]
    assert outbox.pending() == 1


def _kiosk(tmp_path: Path) -> KioskService:
    settings = NodeSettings(
        booth_code="BT-T-001", var_dir=tmp_path, demo_credentials=tmp_path / "none.txt"
    )
    store = _store(tmp_path)
    return KioskService(settings, store, _centre([]), simulated_hardware(settings))


def test_restarting_adapters_builds_them_afresh_and_keeps_what_listens_to_them(
    tmp_path: Path,
) -> None:
    kiosk = _kiosk(tmp_path)
    adapters = Adapters(kiosk, lambda: simulated_hardware(kiosk.settings))
    pressed: list[int] = []
    kiosk.hw.help_button.on_press(lambda: pressed.append(1))
    old_button = kiosk.hw.help_button
    assert adapters.restart("help_button") == "已重启求助按钮"
    assert kiosk.hw.help_button is not old_button
    kiosk.hw.help_button.press()  # the kiosk's own handler queues a help call too
    assert pressed == [1] and kiosk.outbox.pending() == 1

    adapters.restart("id_reader")
    reader = kiosk.hw.id_reader
    assert isinstance(reader, SimulatedIdReader)
    reader.insert(reader.card("150203198805051234", "测试"))
    camera = kiosk.hw.face_camera
    assert isinstance(camera, SimulatedFaceCamera)
    assert camera.holder() == "150203198805051234"  # the camera follows the new reader

    with pytest.raises(AdapterUnavailable):
        adapters.restart("plate_camera")
    assert adapters.health()["printer"] == "ok"
    kiosk.hw.printer.paper = False  # type: ignore[attr-defined]
    assert adapters.health()["printer"] == "fault"


def test_camera_statuses_and_message_ids() -> None:
    assert [camera_status(s) for s in ("running", "reconnecting", "ended")] == [
        "ok",
        "fault",
        "offline",
    ]
    assert camera_kind("Lane-1") == "camera_lane_1"
    key = f"BT-T-001:outbox:{uuid.uuid4().hex}"
    assert help_call_id(key) == help_call_id(key) == uuid.UUID(hex=key.rsplit(":", 1)[1])


def test_a_node_without_a_broker_keeps_http_and_the_lock_and_hint_work_there(
    api: Api, node: Node, world: dict[str, Any]
) -> None:
    app: Any = node.client.app
    assert app.state.mqtt is None
    mode: KioskMode = app.state.mode
    mode.lock("暂停服务")
    assert node.client.get("/kiosk/api/status").json()["mode"]["kiosk"] == "locked"
    refused = node.client.post("/kiosk/api/session")
    assert refused.status_code == 503 and refused.json()["message"] == "暂停服务"
    mode.unlock()
    assert node.client.post("/kiosk/api/session").status_code == 200

    with api.ctx.uow() as uow:
        add_manual_entry(
            uow,
            supervisor(api),
            plate_text=world["car"],
            reason="协查车辆，发现即报告",
            owner="off-kdl",
            expires_at=api.clock.now() + timedelta(days=7),
            policy=WatchListPolicy(),
        )
    copy: WatchListCopy = app.state.watch_list
    assert copy.refresh().full and len(copy) == 1
    sink: HintingOutboxSink = app.state.plate_reads
    sink.emit(plate_event("BT-KDL-001", world["car"], api.clock.now()))
    with node.kiosk.store.transaction() as db:
        body = json.loads(db.execute("SELECT body FROM outbox").fetchone()["body"])
    assert body["watch_list_hint"]["reason_kind"] == "manual" and body["v"] == "1.1"
    # Over HTTP as before (no broker): the centre takes the 1.1 event and matches it itself.
    assert node.kiosk.outbox.drain_once(force=True).delivered == 1
    assert count(api, PlateReadRecord) == 1


def test_the_watch_list_copy_asks_for_deltas_on_its_own_and_survives_a_centre_away(
    tmp_path: Path,
) -> None:
    entry = str(uuid.uuid4())
    asked: list[str] = []
    answers: list[httpx.Response] = [
        httpx.Response(
            200,
            json={
                "version": 3,
                "full": True,
                "entries": [{"id": entry, "plate_no": "蒙B7K2M9", "reason_kind": "stolen"}],
                "removals": [],
            },
        ),
        httpx.Response(503, json={}),  # the centre is away for one turn
        httpx.Response(200, json={"version": 4, "full": False, "entries": [], "removals": [entry]}),
    ]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/booth":
            return httpx.Response(200, json={"access_token": "t"})
        asked.append(request.url.query.decode())
        return (
            answers.pop(0)
            if answers
            else httpx.Response(
                200, json={"version": 4, "full": False, "entries": [], "removals": []}
            )
        )

    centre = CentreClient("http://centre", "BT-T-001", "s", transport=httpx.MockTransport(answer))
    store = _store(tmp_path)
    copy = WatchListCopy(store, centre)
    changes: list[int | None] = []
    copy.on_change(lambda: changes.append(copy.version))
    copy.start(every_s=0.05)
    try:
        assert wait_until(lambda: len(asked) >= 3)
    finally:
        copy.stop()
    assert asked[:3] == ["", "since_version=3", "since_version=3"]
    assert copy.version == 4 and len(copy) == 0 and changes == [3, 4]
    assert WatchListCopy(store, centre).version == 4  # kept in the node's SQLite
