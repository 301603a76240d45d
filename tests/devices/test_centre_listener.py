"""The generated Mosquitto configuration's two listeners, on a private Mosquitto started
from the generated files: the centre's processes (one account, a client id each) coexist on
the centre's listener, while on the booths' listener a booth still cannot take another
booth's client id or topics, and booths cannot log in on the centre's listener at all."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gangting.booths.credentials import mosquitto_verify
from gangting.booths.topics import command_topic
from gangting.command_centre import live
from gangting.command_centre.live_bus import LiveHub, MqttLivePublisher
from gangting.devices import jobs
from gangting.devices.connection import BrokerAddress
from gangting.devices.embedded_broker import read_password_file, wait_for_port
from tests.desks.conftest import Api
from tests.devices.conftest import Registry
from tests.devices.harness import (
    CENTRE,
    CENTRE_PASSWORD,
    Listener,
    PrivateMosquitto,
    connect,
    free_port,
    mosquitto_available,
    plain_client,
    private_broker_files,
    wait_until,
)


@dataclass
class Listeners:
    booths: str  # the booths' listener (client id = username)
    centre: str  # the centre's listener


@pytest.fixture
def listeners(api: Api, registry: Registry, tmp_path: Path) -> Iterator[Listeners]:
    if not mosquitto_available():
        pytest.skip("mosquitto binary not installed")
    port, centre_port = free_port(), free_port()
    files = private_broker_files(api.ctx.uow, tmp_path / "broker", port, centre_port=centre_port)
    broker = PrivateMosquitto(files.conf_file, port, tmp_path / "mosquitto.log")
    try:
        assert wait_for_port("127.0.0.1", centre_port, 10), (tmp_path / "mosquitto.log").read_text()
        yield Listeners(broker.url, f"mqtt://127.0.0.1:{centre_port}")
    finally:
        broker.stop()


def _centre_pair(url: str) -> tuple[Listener, Listener]:
    suffix = uuid.uuid4().hex[:6]
    pub = Listener(url, CENTRE, CENTRE_PASSWORD, f"{CENTRE}-live-pub-{suffix}")
    sub = Listener(url, CENTRE, CENTRE_PASSWORD, f"{CENTRE}-live-sub-{suffix}")
    return pub, sub


def test_centre_processes_with_their_own_client_ids_coexist_on_the_centre_listener(
    listeners: Listeners,
) -> None:
    worker = Listener(listeners.centre, CENTRE, CENTRE_PASSWORD, CENTRE)  # the ingest link's id
    pub, sub = _centre_pair(listeners.centre)
    assert worker.ok and pub.ok and sub.ok
    sub.subscribe("gangting/v1/centre/live/+")
    for n in range(3):
        pub.publish("gangting/v1/centre/live/alert", f"event-{n}".encode())
    assert wait_until(lambda: len(sub.messages) == 3, 5)
    time.sleep(0.5)  # time for the broker to act on any takeover
    assert [c.disconnects for c in (worker, pub, sub)] == [0, 0, 0]
    assert all(c.client.is_connected() for c in (worker, pub, sub))
    for c in (worker, pub, sub):
        c.close()


def test_on_the_booths_listener_the_centre_processes_would_take_each_others_place(
    listeners: Listeners,
) -> None:
    """Why the centre needs its own listener: there the client id becomes the username."""
    first, second = _centre_pair(listeners.booths)
    assert first.ok and second.ok
    assert wait_until(lambda: first.disconnects > 0, 5)
    assert second.client.is_connected()
    first.close()
    second.close()


def test_booths_cannot_log_in_on_the_centre_listener(
    registry: Registry, listeners: Listeners
) -> None:
    code = registry.kdl
    assert not Listener(listeners.centre, code, registry.passwords[code], code).ok
    assert not Listener(listeners.centre, code, registry.passwords[code], f"{code}-x").ok
    anonymous = plain_client(listeners.centre, f"anon-{uuid.uuid4().hex[:6]}")
    assert not connect(anonymous, 3)


def test_on_the_booths_listener_a_booth_still_cannot_take_another_booths_id_or_topics(
    registry: Registry, listeners: Listeners
) -> None:
    a, b = registry.kdl, registry.qs
    booth_b = Listener(listeners.booths, b, registry.passwords[b], b)
    booth_b.subscribe(f"gangting/v1/booths/{b}/commands/+")
    # A presents B's client id: Mosquitto renames it to A, so B stays connected.
    impostor = Listener(listeners.booths, a, registry.passwords[a], b)
    assert booth_b.ok and impostor.ok
    impostor.client.subscribe(f"gangting/v1/booths/{b}/#", qos=1)
    impostor.client.subscribe("#", qos=1)
    # The centre, on its own listener, sends B a command: only B gets it.
    centre = Listener(listeners.centre, CENTRE, CENTRE_PASSWORD, f"{CENTRE}-worker")
    assert centre.ok
    time.sleep(0.3)  # let the impostor's subscriptions be handled (refused)
    centre.publish(command_topic(b, uuid.uuid4()), b"to-b")
    impostor.publish(command_topic(b, uuid.uuid4()), b"forged-by-a")
    assert wait_until(lambda: booth_b.messages, 5)
    time.sleep(0.3)
    assert booth_b.payloads() == [b"to-b"]
    assert impostor.messages == []
    assert booth_b.disconnects == 0 and booth_b.client.is_connected()
    for c in (booth_b, impostor, centre):
        c.close()


def test_the_live_publisher_and_hub_of_one_account_both_stay_on_the_centre_listener(
    listeners: Listeners,
) -> None:
    """The real live clients (client ids of their own, docs/decisions/0005) beside the
    worker's link id, all as the centre's account."""
    address = BrokerAddress.parse(listeners.centre)
    prefix = f"gangting/v1/centre/live-{uuid.uuid4().hex[:8]}"
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    worker = Listener(listeners.centre, CENTRE, CENTRE_PASSWORD, CENTRE)
    hub = LiveHub(address, username=CENTRE, password=CENTRE_PASSWORD, topic_prefix=prefix)
    hub.start(loop)
    publisher = MqttLivePublisher(
        address, username=CENTRE, password=CENTRE_PASSWORD, topic_prefix=prefix
    )
    publisher.start()
    remove = live.install_sink(publisher)
    try:
        assert worker.ok and hub.wait_connected(10) and publisher.wait_connected(10)
        for n in range(5):
            assert live.publish_live("alert", {"n": n}, org_path="/BT/") is not None
        assert wait_until(lambda: hub.stats["received"] == 5, 10), (hub.stats, live.stats)
        time.sleep(0.5)
        assert hub.connected.is_set() and publisher.connected.is_set()
        assert worker.disconnects == 0
    finally:
        remove()
        publisher.stop()
        hub.stop()
        worker.close()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


def test_the_job_writes_both_listeners_and_a_centre_only_password_file(
    api: Api, registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GANGTING_DATABASE_URL", api.ctx.settings.database_url)
    monkeypatch.setenv("GANGTING_MQTT_PASSWORD", "centre-pw-1234")
    out = tmp_path / "broker"
    jobs.main(["mosquitto-files", str(out), "--port", "18991", "--centre-port", "18992"])
    conf = (out / "mosquitto.conf").read_text()
    booths_part, centre_part = conf.split("listener 18992 127.0.0.1")
    assert "per_listener_settings true" in booths_part
    assert "listener 18991 0.0.0.0" in booths_part
    assert "use_username_as_clientid true" in booths_part
    assert "use_username_as_clientid" not in centre_part
    assert f"password_file {out / 'passwd-centre'}" in centre_part
    assert f"acl_file {out / 'acl'}" in centre_part and "allow_anonymous false" in centre_part
    centre_accounts = read_password_file(out / "passwd-centre")
    assert list(centre_accounts) == ["gangting-centre"]
    assert mosquitto_verify("centre-pw-1234", centre_accounts["gangting-centre"])
    assert {registry.kdl, registry.qs} <= set(read_password_file(out / "passwd"))
