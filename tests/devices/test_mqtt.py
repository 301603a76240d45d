"""Booths and the centre through a real broker: the run's own Mosquitto (tests/mosquitto.py)
and the embedded amqtt broker; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from gangting.audit.models import AuditEntry
from gangting.booths.models import BoothCommand, TelemetryReading
from gangting.booths.payloads import AnnouncementParams, StateReport
from gangting.booths.topics import telemetry_topic
from gangting.node.mqtt_link import Command, CommandResult
from tests.desks.conftest import Api
from tests.devices.conftest import Registry
from tests.devices.harness import (
    Harness,
    booth_state,
    command_state,
    connect,
    issue_command,
    plain_client,
    wait_until,
)


def _readings(api: Api) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(TelemetryReading)).scalar_one()
        )


def test_telemetry_in_becomes_current_state_and_history(
    api: Api, registry: Registry, harness: Harness
) -> None:
    centre = harness.centre(workers=3)  # ingest spread over several workers
    booth = harness.booth(registry.kdl)
    other = harness.booth(registry.qs)
    other.publish_telemetry("door", "open", at=api.clock.now())
    t0 = api.clock.now()
    booth.publish_telemetry("door", "open", at=t0)
    booth.publish_telemetry("temperature_c", 31.5, at=t0 + timedelta(seconds=1))
    booth.publish_telemetry("door", "closed", at=t0 - timedelta(minutes=5))  # older, replayed
    booth.publish_state(StateReport(at=t0, kiosk="in_service", adapters={"printer": "ok"}))
    # A bad message from the booth is refused by name and does not stop the consumer.
    booth._client.publish(telemetry_topic(registry.kdl, "door"), b"not json", qos=1)
    booth.publish_telemetry("queue_length", 4, at=t0 + timedelta(seconds=2))
    assert wait_until(lambda: _readings(api) == 5), centre.stats
    assert wait_until(lambda: centre.stats["rejected"] == 1), centre.stats
    assert wait_until(
        lambda: (s := booth_state(api.ctx.uow, registry.kdl)) is not None and s.reported != {}
    )
    state = booth_state(api.ctx.uow, registry.kdl)
    assert state is not None
    assert state.values["door"]["value"] == "open"
    assert state.values["temperature_c"]["value"] == 31.5
    assert state.values["queue_length"]["value"] == 4
    assert state.reported["adapters"] == {"printer": "ok"}
    assert state.availability == "online"


def test_a_killed_booth_goes_offline_by_its_last_will(
    api: Api, registry: Registry, harness: Harness
) -> None:
    harness.centre()
    booth = harness.booth(registry.kdl)
    assert wait_until(
        lambda: (
            (s := booth_state(api.ctx.uow, registry.kdl)) is not None and s.availability == "online"
        )
    )
    session = booth.session
    booth.abort()  # the socket is dropped without DISCONNECT
    assert wait_until(
        lambda: (
            (s := booth_state(api.ctx.uow, registry.kdl)) is not None
            and s.availability == "offline"
        )
    )
    state = booth_state(api.ctx.uow, registry.kdl)
    assert state is not None and state.availability_session == session
    with api.ctx.uow() as uow:
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "booth.offline")
        ).scalar_one()
    assert entry.data["reason"] == "will"
    # Back again: a new connection, a new session, online.
    again = harness.booth(registry.kdl)
    assert again.session != session
    assert wait_until(
        lambda: (
            (s := booth_state(api.ctx.uow, registry.kdl)) is not None and s.availability == "online"
        )
    )


def test_a_clean_shutdown_reports_offline_itself(
    api: Api, registry: Registry, harness: Harness
) -> None:
    harness.centre()
    booth = harness.booth(registry.qs)
    assert wait_until(
        lambda: (
            (s := booth_state(api.ctx.uow, registry.qs)) is not None and s.availability == "online"
        )
    )
    booth.stop()
    assert wait_until(
        lambda: (
            (s := booth_state(api.ctx.uow, registry.qs)) is not None and s.availability == "offline"
        )
    )
    with api.ctx.uow() as uow:
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "booth.offline")
        ).scalar_one()
    assert entry.data["reason"] == "shutdown"
    booth.start()  # the same link started again is a new connection: online again
    assert booth.wait_connected(10)
    assert wait_until(
        lambda: (
            (s := booth_state(api.ctx.uow, registry.qs)) is not None and s.availability == "online"
        )
    )


def test_a_command_round_trip_is_acknowledged_and_succeeds(
    api: Api, registry: Registry, harness: Harness
) -> None:
    heard: list[Command] = []

    def speak(command: Command) -> CommandResult:
        heard.append(command)
        assert isinstance(command.params, AnnouncementParams)
        return CommandResult(ok=True, detail=f"已播报{command.params.repeat}次")

    harness.booth(registry.kdl, on_command=speak)
    harness.centre()
    command_id = issue_command(
        api.ctx.uow, "sup-kdl", registry.kdl, "announcement", {"text": "请系好安全带"}, 60
    )
    assert wait_until(lambda: command_state(api.ctx.uow, command_id) == "succeeded"), command_state(
        api.ctx.uow, command_id
    )
    assert [(c.id, c.kind, c.params.text) for c in heard] == [  # type: ignore[attr-defined]
        (command_id, "announcement", "请系好安全带")
    ]
    with api.ctx.uow() as uow:
        command = uow.session.get_one(BoothCommand, command_id)
        actions = list(
            uow.session.execute(
                select(AuditEntry.action)
                .where(AuditEntry.subject_id == str(command_id))
                .order_by(AuditEntry.at, AuditEntry.id)
            ).scalars()
        )
    assert command.outcome == {"error": None, "detail": "已播报1次"}
    assert actions[0] == "booth_command.queued" and actions[-1] == "booth_command.succeeded"
    assert "booth_command.acknowledged" in actions


def test_a_command_for_a_booth_that_was_away_arrives_when_it_is_back(
    api: Api, registry: Registry, harness: Harness
) -> None:
    done = threading.Event()
    first = harness.booth(registry.qs)
    first.stop()  # the broker keeps its persistent session
    harness.centre()
    command_id = issue_command(api.ctx.uow, "admin", registry.qs, "lock_kiosk")
    assert wait_until(lambda: command_state(api.ctx.uow, command_id) == "sent")
    harness.booth(registry.qs, on_command=lambda _c: (done.set(), CommandResult(ok=True))[1])
    assert done.wait(10)
    assert wait_until(lambda: command_state(api.ctx.uow, command_id) == "succeeded")


def test_a_command_that_is_never_acknowledged_expires(
    api: Api, registry: Registry, harness: Harness
) -> None:
    harness.booth(registry.kdl).stop()  # known to the broker, but away
    centre = harness.centre()
    command_id = issue_command(api.ctx.uow, "sup-kdl", registry.kdl, "refresh_watch_list", {}, 30)
    assert wait_until(lambda: command_state(api.ctx.uow, command_id) == "sent")
    api.clock.advance(timedelta(seconds=31))
    assert wait_until(lambda: command_state(api.ctx.uow, command_id) == "expired")
    assert centre.stats["expired"] >= 1
    # The booth comes back later: the stale command reaches it and is refused unrun.
    ran: list[Command] = []
    harness.booth(registry.kdl, on_command=lambda c: (ran.append(c), CommandResult(ok=True))[1])
    assert wait_until(lambda: centre.stats["unchanged"] >= 2)  # its acknowledgement and "failed"
    assert ran == []
    assert command_state(api.ctx.uow, command_id) == "expired"


def test_a_booth_handler_failure_is_reported_as_failed(
    api: Api, registry: Registry, harness: Harness
) -> None:
    def broken(_command: Command) -> CommandResult:
        raise RuntimeError("speaker unplugged")

    harness.booth(registry.kdl, on_command=broken)
    harness.centre()
    command_id = issue_command(
        api.ctx.uow, "sup-kdl", registry.kdl, "restart_adapter", {"adapter": "speaker"}, 60
    )
    assert wait_until(lambda: command_state(api.ctx.uow, command_id) == "failed")
    with api.ctx.uow() as uow:
        outcome = uow.session.get_one(BoothCommand, command_id).outcome
    assert outcome is not None and outcome["error"] == "booths.command_error"


def test_a_plain_client_sees_retained_availability(
    api: Api, registry: Registry, harness: Harness
) -> None:
    """Retained availability is there for anyone allowed to read it (e.g. a centre that
    starts after the booth)."""
    booth = harness.booth(registry.kdl)
    got: list[bytes] = []
    reader = plain_client(harness.url, f"reader-{uuid.uuid4().hex[:6]}", username="gangting-centre")
    reader.on_message = lambda _c, _u, m: got.append(m.payload)
    assert connect(reader)
    reader.subscribe(f"gangting/v1/booths/{registry.kdl}/availability", qos=1)
    assert wait_until(lambda: any(booth.session.encode() in p for p in got))
    reader.disconnect()
    reader.loop_stop()
