"""Booth nodes on a real broker: the node app (its lifespan starts the MQTT runtime), the
centre's HTTP API reached through a recording link, the centre's MQTT link from the device
tests' harness, and broker leftovers wiped after each test."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gangting.booths.models import BoothState
from gangting.booths.topics import availability_topic, state_topic
from gangting.kernel.actor import Actor
from gangting.node.app import create_node_app
from gangting.node.config import NodeSettings
from gangting.node.kiosk_mode import KioskMode
from gangting.node.mqtt_runtime import MqttRuntime
from gangting.node.service import KioskService
from gangting.node.watch_list import HintingOutboxSink, WatchListCopy
from gangting.plate_reads.schemas import PlateReadEvent
from tests import builders
from tests.desks.conftest import Api, api
from tests.devices.conftest import broker_url, embedded_broker, registry, system_mosquitto
from tests.devices.harness import Harness, connect, plain_client, staff_actor
from tests.node.conftest import CentreLink as HttpLink
from tests.node.conftest import FakeMonotonic

__all__ = ["api", "broker_url", "embedded_broker", "registry", "system_mosquitto"]


class RecordingLink(HttpLink):
    """The node's HTTP link to the centre, remembering which paths it called."""

    def __init__(self, centre: TestClient) -> None:
        super().__init__(centre)
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return super().handle_request(request)


@dataclass
class MqttNode:
    client: TestClient
    settings: NodeSettings
    http: RecordingLink
    stopped: bool = field(default=False)

    @property
    def app(self) -> FastAPI:
        app: FastAPI = self.client.app  # type: ignore[assignment]
        return app

    @property
    def kiosk(self) -> KioskService:
        kiosk: KioskService = self.app.state.kiosk
        return kiosk

    @property
    def runtime(self) -> MqttRuntime:
        runtime: MqttRuntime = self.app.state.mqtt
        return runtime

    @property
    def mode(self) -> KioskMode:
        mode: KioskMode = self.app.state.mode
        return mode

    @property
    def watch_list(self) -> WatchListCopy:
        copy: WatchListCopy = self.app.state.watch_list
        return copy

    @property
    def plate_reads(self) -> HintingOutboxSink:
        sink: HintingOutboxSink = self.app.state.plate_reads
        return sink

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.client.__exit__(None, None, None)


StartNode = Callable[..., MqttNode]


def wipe_booth(url: str, code: str, password: str | None) -> None:
    """Leave nothing of a booth on a shared broker: its session and retained messages."""
    client = plain_client(url, code, username=code, password=password, clean_session=True)
    if connect(client, 5):
        for topic in (availability_topic(code), state_topic(code)):
            client.publish(topic, b"", qos=1, retain=True).wait_for_publish(3)
        client.disconnect()
        client.loop_stop()


@pytest.fixture
def start_node(api: Api, tmp_path: Path) -> Iterator[StartNode]:
    started: list[tuple[MqttNode, str, str | None, bool]] = []

    def start(url: str, code: str, *, password: str | None = None, wipe: bool = True) -> MqttNode:
        """A node of booth ``code`` on the broker at ``url``; ``wipe``: clear its session
        and retained messages afterwards (a shared broker; not one the test stops)."""
        settings = NodeSettings(
            booth_code=code,
            booth_secret=builders.BOOTH_SECRET,
            centre_url="http://centre",
            var_dir=tmp_path / "node" / code,
            demo_credentials=tmp_path / "none.txt",
            node_mqtt_url=url,
            node_mqtt_password=password or "",
        )
        link = RecordingLink(api.client)
        app = create_node_app(
            settings,
            centre_transport=link,
            clock=FakeMonotonic(),
            background=False,
            wall_clock=api.clock,
        )
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        node = MqttNode(client, settings, link)
        started.append((node, url, password, wipe))
        assert node.runtime.link.wait_connected(10), "node did not connect"
        return node

    yield start
    for node, _url, _password, _wipe in started:
        node.stop()
    for node, url, password, wipe in started:
        if wipe:
            wipe_booth(url, node.settings.booth_code, password)


@pytest.fixture
def centre_harness(api: Api, system_mosquitto: str) -> Iterator[Harness]:
    """The centre's MQTT link on the machine's Mosquitto."""
    harness = Harness(system_mosquitto, api.ctx.uow, api.clock)
    yield harness
    harness.close()


@pytest.fixture
def any_harness(api: Api, broker_url: str) -> Iterator[Harness]:
    """The same on Mosquitto and on the embedded broker (``gangting up``'s default)."""
    harness = Harness(broker_url, api.ctx.uow, api.clock)
    yield harness
    harness.close()


def plate_event(booth: str, plate: str, seen: datetime) -> PlateReadEvent:
    return PlateReadEvent.model_validate(builders.plate_read_body(booth, plate, seen))


def unique_code() -> str:
    return f"BT-N{uuid.uuid4().hex[:5].upper()}-001"


def reported(state: BoothState | None, key: str) -> Any:
    return None if state is None else (state.reported or {}).get(key)


def value(state: BoothState | None, kind: str) -> Any:
    if state is None or kind not in (state.values or {}):
        return None
    return state.values[kind]["value"]


def supervisor(api: Api) -> Actor:
    """The KDL brigade's supervisor (both the device registry and the node world have one)."""
    return staff_actor(api.ctx.uow, "sup-kdl")
