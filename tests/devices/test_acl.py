"""Broker security from the registry: every booth has its own account and may use only its
own topics; the centre may use all. Proved on a private Mosquitto started from the
generated password and ACL files (never the machine's broker on 1883), and on the embedded
broker reading the same password file."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gangting.booths.credentials import broker_accounts
from gangting.booths.topics import command_topic, telemetry_topic
from gangting.devices.embedded_broker import EmbeddedBroker
from gangting.devices.mosquitto import BrokerFiles
from gangting.node.mqtt_link import CommandResult
from tests.desks.conftest import Api
from tests.devices.conftest import Registry
from tests.devices.harness import (
    CENTRE,
    CENTRE_PASSWORD,
    Harness,
    Listener,
    PrivateMosquitto,
    booth_state,
    command_state,
    connect,
    free_port,
    issue_command,
    mosquitto_available,
    plain_client,
    private_broker_files,
    wait_until,
)


@pytest.fixture
def broker_files(api: Api, registry: Registry, tmp_path: Path) -> tuple[BrokerFiles, int]:
    port = free_port()
    with api.ctx.uow() as uow:
        assert [u for u, _ in broker_accounts(uow)] == sorted([registry.kdl, registry.qs])
    return private_broker_files(api.ctx.uow, tmp_path / "broker", port), port


@pytest.fixture(params=["mosquitto", "embedded"])
def secured_url(
    request: pytest.FixtureRequest, broker_files: tuple[BrokerFiles, int], tmp_path: Path
) -> Iterator[str]:
    files, port = broker_files
    if request.param == "mosquitto":
        if not mosquitto_available():
            pytest.skip("mosquitto binary not installed")
        broker = PrivateMosquitto(files.conf_file, port, tmp_path / "mosquitto.log")
        yield broker.url
        broker.stop()
    else:
        embedded = EmbeddedBroker(
            "127.0.0.1", port, password_file=files.password_file, centre_username=CENTRE
        )
        embedded.start()
        yield embedded.url
        embedded.stop()


def test_only_registered_accounts_with_their_own_password_get_in(
    registry: Registry, secured_url: str
) -> None:
    good = Listener(secured_url, registry.kdl, registry.passwords[registry.kdl])
    assert good.ok
    good.close()
    assert not Listener(secured_url, registry.kdl, registry.passwords[registry.qs]).ok
    assert not Listener(secured_url, "BT-NOBODY-001", "whatever-password").ok
    assert not Listener(secured_url, CENTRE, "not-the-centre-password").ok
    anonymous = plain_client(secured_url, f"anon-{uuid.uuid4().hex[:6]}")
    assert not connect(anonymous, 5)


def test_a_booth_can_neither_read_nor_write_another_booths_topics(
    registry: Registry, secured_url: str
) -> None:
    a, b = registry.kdl, registry.qs
    centre = Listener(secured_url, CENTRE, CENTRE_PASSWORD)
    booth_a = Listener(secured_url, a, registry.passwords[a])
    booth_b = Listener(secured_url, b, registry.passwords[b])
    assert centre.ok and booth_a.ok and booth_b.ok
    centre.subscribe("gangting/v1/booths/+/telemetry/+")
    booth_b.subscribe(f"gangting/v1/booths/{b}/commands/+")
    # A tries to listen to B (and to everything); the broker refuses or delivers nothing.
    for topic_filter in (f"gangting/v1/booths/{b}/commands/+", f"gangting/v1/booths/{b}/#", "#"):
        booth_a.client.subscribe(topic_filter, qos=1)

    first, forged, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    centre.publish(command_topic(b, first), b"from-centre-1")
    booth_b.publish(telemetry_topic(b, "door"), b"b-door")
    booth_a.publish(telemetry_topic(b, "door"), b"forged-by-a")  # write into B's topic
    booth_a.publish(command_topic(b, forged), b"forged-command-by-a")  # pose as the centre
    booth_a.publish(telemetry_topic(a, "door"), b"a-door")  # its own: allowed
    centre.publish(command_topic(b, second), b"from-centre-2")

    assert wait_until(lambda: len(centre.messages) >= 2 and len(booth_b.messages) >= 2)
    assert sorted(p for _, p in centre.messages) == [b"a-door", b"b-door"]
    assert [p for _, p in booth_b.messages] == [b"from-centre-1", b"from-centre-2"]
    assert booth_a.messages == []
    for listener in (centre, booth_a, booth_b):
        listener.close()


def test_a_booth_cannot_take_over_another_booths_session(
    registry: Registry, secured_url: str
) -> None:
    a, b = registry.kdl, registry.qs
    booth_b = Listener(secured_url, b, registry.passwords[b])
    assert booth_b.ok
    # A presents B's client id with its own account: refused (embedded) or renamed to A by
    # use_username_as_clientid (Mosquitto); either way B stays connected.
    impostor = Listener(secured_url, a, registry.passwords[a], client_id=b)
    time.sleep(0.5)  # let the broker act on the impostor
    assert booth_b.client.is_connected()
    if impostor.ok:
        impostor.close()
    booth_b.close()


def test_booth_and_centre_links_work_within_the_acl(
    api: Api, registry: Registry, secured_url: str
) -> None:
    harness = Harness(secured_url, api.ctx.uow, api.clock)
    try:
        harness.centre(username=CENTRE, password=CENTRE_PASSWORD, client_id=CENTRE)
        booth = harness.booth(
            registry.kdl,
            password=registry.passwords[registry.kdl],
            on_command=lambda _c: CommandResult(ok=True),
        )
        booth.publish_telemetry("door", "open", at=api.clock.now())
        assert wait_until(
            lambda: (s := booth_state(api.ctx.uow, registry.kdl)) is not None and "door" in s.values
        )
        command_id = issue_command(api.ctx.uow, "admin", registry.kdl, "unlock_kiosk")

        def state() -> str:
            return command_state(api.ctx.uow, command_id)

        assert wait_until(lambda: state() == "succeeded"), state()
        booth.abort()
        assert wait_until(
            lambda: (
                (s := booth_state(api.ctx.uow, registry.kdl)) is not None
                and s.availability == "offline"
            )
        )
        api.clock.advance(timedelta(seconds=1))
    finally:
        harness.close()
