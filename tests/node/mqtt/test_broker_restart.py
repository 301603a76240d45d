"""The broker restarts under a running node and centre: a private Mosquitto with the
generated password file, ACL and persistence (each booth on its own account). Reads and
help calls made while it is down wait in the node's outbox until the broker acknowledges
them; at the centre each arrives exactly once. And a node process killed outright leaves
its last will."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gangting.booths.models import HelpCall
from gangting.booths.payloads import AvailabilityReport, decode
from gangting.booths.topics import availability_topic
from gangting.plate_reads.models import PlateReadRecord
from gangting.worker import plate_read_handler
from tests.desks.conftest import Api
from tests.devices.conftest import Registry
from tests.devices.harness import (
    CENTRE,
    CENTRE_PASSWORD,
    Harness,
    PrivateMosquitto,
    booth_state,
    connect,
    free_port,
    mosquitto_available,
    plain_client,
    private_broker_files,
    wait_until,
)
from tests.node.mqtt.conftest import StartNode, plate_event, unique_code, wipe_booth

ROOT = Path(__file__).resolve().parents[3]


def _count(api: Api, model: type[PlateReadRecord] | type[HelpCall]) -> int:
    with api.ctx.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def test_a_broker_restart_loses_no_plate_read_or_help_call_and_doubles_none(
    api: Api, registry: Registry, start_node: StartNode, tmp_path: Path
) -> None:
    if not mosquitto_available():
        pytest.skip("mosquitto binary not installed")
    port = free_port()
    files = private_broker_files(
        api.ctx.uow, tmp_path / "broker", port, persistence_dir=tmp_path / "broker-data"
    )
    (tmp_path / "broker-data").mkdir()
    log = tmp_path / "mosquitto.log"
    broker = PrivateMosquitto(files.conf_file, port, log)
    harness = Harness(broker.url, api.ctx.uow, api.clock)
    try:
        code = registry.kdl
        centre = harness.centre(
            username=CENTRE,
            password=CENTRE_PASSWORD,
            client_id=CENTRE,
            plate_reads=plate_read_handler(api.ctx.settings),
        )
        node = start_node(broker.url, code, password=registry.passwords[code], wipe=False)
        assert wait_until(
            lambda: (s := booth_state(api.ctx.uow, code)) is not None and s.availability == "online"
        )
        for n in range(5):
            node.plate_reads.emit(plate_event(code, f"蒙B1234{n}", api.clock.now()))
        node.kiosk.call_help("assistance", "岗亭求助按钮")
        assert wait_until(lambda: _count(api, PlateReadRecord) == 5 and _count(api, HelpCall) == 1)

        broker.stop()  # saves its persistence (sessions, queued messages) on the way down
        assert wait_until(lambda: not node.runtime.connected)
        for n in range(5):
            node.plate_reads.emit(plate_event(code, f"蒙B5678{n}", api.clock.now()))
        node.kiosk.call_help("assistance", "断线期间的求助")
        # Not acknowledged by anyone: the rows stay pending in the node's SQLite.
        assert node.kiosk.outbox.pending() == 6
        assert _count(api, PlateReadRecord) == 5

        broker = PrivateMosquitto(files.conf_file, port, log)
        assert wait_until(lambda: node.runtime.connected and centre.connected.is_set(), 40)
        assert wait_until(
            lambda: _count(api, PlateReadRecord) == 10 and _count(api, HelpCall) == 2, 20
        )
        assert wait_until(lambda: node.kiosk.outbox.pending() == 0)
        assert node.runtime.handed_over() == 0
        node.stop()  # the clean goodbye goes through the restarted broker
        assert wait_until(
            lambda: (
                (s := booth_state(api.ctx.uow, code)) is not None and s.availability == "offline"
            )
        )
        assert _count(api, PlateReadRecord) == 10 and _count(api, HelpCall) == 2
    finally:
        harness.close()
        broker.stop()


def test_a_killed_node_process_leaves_its_last_will(system_mosquitto: str, tmp_path: Path) -> None:
    """`gangting booth --mqtt` in its own process, killed with SIGKILL: the broker publishes
    its will (retained "offline", reason will) for the session it announced online."""
    code = unique_code()
    seen: list[AvailabilityReport] = []
    watcher = plain_client(system_mosquitto, f"watch-{uuid.uuid4().hex[:8]}")
    watcher.on_message = lambda _c, _u, m: seen.append(decode(AvailabilityReport, bytes(m.payload)))
    assert connect(watcher)
    watcher.subscribe(availability_topic(code), qos=1)
    env = {
        **os.environ,
        "GANGTING_VAR_DIR": str(tmp_path),
        "GANGTING_DEMO_CREDENTIALS": str(tmp_path / "none.txt"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gangting.cli", "booth", "--code", code, "--port", str(free_port())]
        + ["--centre", "http://127.0.0.1:9", "--mqtt", system_mosquitto],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until(lambda: any(r.status == "online" for r in seen), 30)
        session = next(r.session for r in seen if r.status == "online")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert wait_until(lambda: any(r.status == "offline" for r in seen), 10)
        will = next(r for r in seen if r.status == "offline")
        assert will.reason == "will" and will.session == session
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        watcher.disconnect()
        watcher.loop_stop()
        wipe_booth(system_mosquitto, code, None)
