"""Live events through a real broker (the machine's Mosquitto): one process publishes,
another's hub receives and buffers; a broker that is away drops events without failing the
business request."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gangting.app import create_app
from gangting.command_centre import live
from gangting.command_centre.live_bus import LiveHub, MqttLivePublisher
from gangting.command_centre.live_rules import LiveEvent
from gangting.devices.connection import BrokerAddress
from gangting.kernel.clock import FixedClock
from tests import builders
from tests.command_centre.conftest import _context, make_org, own_prefix, wait_until
from tests.devices.harness import free_port
from tests.mosquitto import require_mosquitto


class Loop:
    """An event loop in a thread, as a web worker has."""

    def __init__(self) -> None:
        import threading

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def _hub(prefix: str, loop: asyncio.AbstractEventLoop, size: int = 100) -> LiveHub:
    hub = LiveHub(
        BrokerAddress.parse(require_mosquitto()),
        username="gangting-centre",
        password=None,
        topic_prefix=prefix,
        buffer_size=size,
    )
    hub.start(loop)
    assert hub.wait_connected(10)
    return hub


def _publisher(prefix: str, url: str | None = None) -> MqttLivePublisher:
    publisher = MqttLivePublisher(
        BrokerAddress.parse(url or require_mosquitto()),
        username="gangting-centre",
        password=None,
        topic_prefix=prefix,
    )
    publisher.start()
    return publisher


@contextmanager
def _wired() -> Iterator[tuple[Loop, LiveHub]]:
    """A hub on its own loop and this process's publisher as the live sink, on one prefix."""
    prefix = own_prefix()
    runner = Loop()
    hub = _hub(prefix, runner.loop)
    publisher = _publisher(prefix)
    assert publisher.wait_connected(10)
    remove = live.install_sink(publisher)
    try:
        yield runner, hub
    finally:
        remove()
        publisher.stop()
        hub.stop()
        runner.close()


def test_an_event_published_in_one_process_reaches_another_processes_hub(mosquitto: str) -> None:
    with _wired() as (runner, hub):
        sent = [
            live.publish_live("alert", {"n": n}, org_path="/BT/KDL/", booth="BT-KDL-001")
            for n in range(20)
        ]
        assert all(e is not None for e in sent)
        assert wait_until(lambda: hub.stats["received"] == 20, 10)
        replay = hub.replay(sent[9].id if sent[9] else None)  # type: ignore[union-attr]
        assert not replay.gap
        ids = [e.id for e in replay.events]
        assert sent[10] is not None and sent[19] is not None
        assert sent[10].id in ids and sent[19].id in ids  # everything after the last seen
        assert all(e.data["n"] != 9 for e in replay.events)


def test_waiting_for_an_event_wakes_on_the_matching_one(mosquitto: str) -> None:
    with _wired() as (runner, hub):
        waiting = asyncio.run_coroutine_threadsafe(
            hub.wait_for(lambda e: e.booth == "BT-QS-001", 5), runner.loop
        )
        live.publish_live("remote_assist", {"x": 1}, org_path="/BT/KDL/", booth="BT-KDL-001")
        live.publish_live("remote_assist", {"x": 2}, org_path="/BT/QS/", booth="BT-QS-001")
        got: LiveEvent | None = waiting.result(10)
        assert got is not None and got.data == {"x": 2}
        missed = asyncio.run_coroutine_threadsafe(
            hub.wait_for(lambda e: e.booth == "nobody", 0.3), runner.loop
        )
        assert missed.result(5) is None


def test_a_broker_that_is_away_drops_events_and_counts_them() -> None:
    publisher = _publisher(own_prefix(), f"mqtt://127.0.0.1:{free_port()}")
    remove = live.install_sink(publisher)
    before = live.stats["dropped"]
    try:
        assert live.publish_live("alert", {}, org_path="/BT/") is None
        assert live.stats["dropped"] == before + 1
        assert publisher.stats["dropped_offline"] == 1
        assert not live.accepting()
    finally:
        remove()
        publisher.stop()


def test_a_business_request_succeeds_while_the_broker_is_away(
    database_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    ctx = _context(database_url, tmp_path, clock, mqtt_url=f"mqtt://127.0.0.1:{free_port()}")
    make_org(ctx)
    try:
        with TestClient(create_app(ctx), raise_server_exceptions=False) as client:
            login = client.post(
                "/api/v1/auth/booth",
                json={"booth_code": "BT-KDL-001", "secret": "test-booth-secret"},
            )
            token = login.json()["access_token"]
            r = client.post(
                "/api/v1/booth/assist/sync",
                json={"open": True, "wait_s": 1},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 200, r.text
            assert r.json()["session"]["state"] == "waiting"
            status = client.get(
                "/api/v1/centre/live-status",
                headers={"Authorization": f"Bearer {_staff_token(client)}"},
            ).json()
            assert status["enabled"] is True and status["connected"] is False
    finally:
        ctx.close()


def _staff_token(client: TestClient) -> str:
    at = client.app.state.context.clock.now()  # type: ignore[attr-defined]
    r = client.post("/api/v1/auth/staff", json=builders.staff_login("admin", at))
    return str(r.json()["access_token"])


@pytest.mark.parametrize("n", [1])
def test_events_carry_a_fresh_uuid7(n: int) -> None:
    event = live.make_event("alert", {"n": n}, org_path="/BT/")
    assert event.id.version == 7 and isinstance(event.id, uuid.UUID)
