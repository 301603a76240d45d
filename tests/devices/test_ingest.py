"""The inbound router without a broker: one message, one unit of work; current state and
history kept apart; refusals named and harmless; the command lifecycle; retention.
On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from gangting.audit.models import AuditEntry
from gangting.booths import commands
from gangting.booths.models import Booth, BoothCommand, BoothState, HelpCall, TelemetryReading
from gangting.booths.payloads import CommandReply
from gangting.booths.retention import purge_telemetry
from gangting.booths.topics import (
    availability_topic,
    command_ack_topic,
    help_calls_topic,
    plate_reads_topic,
    state_topic,
    telemetry_topic,
)
from gangting.devices.ingest import InboundRouter
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import StaffAccount
from tests.desks.conftest import Api
from tests.devices.conftest import Registry


def _body(**fields: Any) -> bytes:
    return json.dumps({"v": "1.0", **fields}).encode()


def _count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def _state(api: Api, code: str) -> BoothState:
    with api.ctx.uow() as uow:
        return uow.session.execute(
            select(BoothState)
            .join(Booth, Booth.id == BoothState.booth_id)
            .where(Booth.code == code)
        ).scalar_one()


def _actions(api: Api, prefix: str) -> list[str]:
    with api.ctx.uow() as uow:
        return list(
            uow.session.execute(
                select(AuditEntry.action)
                .where(AuditEntry.action.startswith(prefix))
                .order_by(AuditEntry.at, AuditEntry.id)
            ).scalars()
        )


@pytest.fixture
def router(api: Api) -> InboundRouter:
    return InboundRouter(api.ctx.uow)


def test_telemetry_keeps_history_apart_and_an_older_reading_never_wins(
    api: Api, registry: Registry, router: InboundRouter
) -> None:
    topic = telemetry_topic(registry.kdl, "door")
    new = _body(at="2026-11-26T10:05:00+08:00", value="open")
    old = _body(at="2026-11-26T09:00:00+08:00", value="closed")
    assert router.handle(topic, new).status == "applied"
    assert router.handle(topic, old).status == "applied"
    assert router.handle(topic, new).status == "applied"  # QoS 1 redelivery of the latest
    temp = _body(at="2026-11-26T10:04:00+08:00", value=24.5)
    router.handle(telemetry_topic(registry.kdl, "temperature_c"), temp)
    state = _state(api, registry.kdl)
    assert state.values["door"]["value"] == "open"
    assert state.values["temperature_c"]["value"] == 24.5
    assert _count(api, TelemetryReading) == 3  # the redelivery appended nothing
    assert _count(api, BoothState) == 1


def test_availability_flips_offline_by_the_last_will_of_the_same_connection(
    api: Api, registry: Registry, router: InboundRouter
) -> None:
    topic = availability_topic(registry.kdl)
    at = "2026-11-26T10:00:00+08:00"
    router.handle(topic, _body(at=at, status="online", session="s1", reason="connected"))
    assert _state(api, registry.kdl).availability == "online"
    router.handle(topic, _body(at=at, status="online", session="s2", reason="connected"))
    # The first connection's will arrives after the second connection came online: stale.
    late = router.handle(topic, _body(at=at, status="offline", session="s1", reason="will"))
    assert late.status == "unchanged"
    assert _state(api, registry.kdl).availability == "online"
    router.handle(topic, _body(at=at, status="offline", session="s2", reason="will"))
    state = _state(api, registry.kdl)
    assert (state.availability, state.availability_session) == ("offline", "s2")
    assert state.availability_changed_at == api.clock.now()
    assert _actions(api, "booth.o") == ["booth.online", "booth.offline"]


def test_the_booth_state_report_is_kept_and_an_older_one_ignored(
    api: Api, registry: Registry, router: InboundRouter
) -> None:
    topic = state_topic(registry.kdl)
    locked = _body(at="2026-11-26T10:00:00+08:00", kiosk="locked", adapters={"printer": "ok"})
    older = _body(at="2026-11-26T09:00:00+08:00", kiosk="in_service")
    assert router.handle(topic, locked).status == "applied"
    assert router.handle(topic, older).status == "unchanged"
    state = _state(api, registry.kdl)
    assert state.reported["kiosk"] == "locked"
    assert state.reported["adapters"] == {"printer": "ok"}


def test_a_help_call_counts_once_however_often_it_is_delivered(
    api: Api, registry: Registry, router: InboundRouter
) -> None:
    call = _body(at="2026-11-26T10:00:00+08:00", id=str(uuid.uuid4()), kind="assistance")
    assert router.handle(help_calls_topic(registry.kdl), call).status == "applied"
    assert router.handle(help_calls_topic(registry.kdl), call).status == "unchanged"
    assert _count(api, HelpCall) == 1
    assert _actions(api, "help_call.") == ["help_call.opened"]


@pytest.mark.parametrize(
    ("topic_of", "raw", "error"),
    [
        (lambda c: telemetry_topic(c, "door"), b"garbage", "booths.payload_invalid"),
        (
            lambda c: telemetry_topic(c, "door"),
            b'{"v":"1.0","value":"open"}',
            "booths.payload_invalid",
        ),
        (
            lambda c: telemetry_topic(c, "door"),
            b'{"v":"3.0","at":"2026-11-26T10:00:00+08:00","value":"open"}',
            "booths.payload_version_unsupported",
        ),
        (lambda c: f"gangting/v1/booths/{c}/telemetry", b"{}", "booths.topic_unknown"),
        (
            lambda c: telemetry_topic("BT-NOBODY-001", "door"),
            b'{"v":"1.0","at":"2026-11-26T10:00:00+08:00","value":"open"}',
            "booths.not_found",
        ),
        (lambda c: plate_reads_topic(c), b"{}", "booths.channel_unhandled"),
    ],
)
def test_refused_messages_are_named_logged_and_write_nothing(
    api: Api,
    registry: Registry,
    router: InboundRouter,
    caplog: pytest.LogCaptureFixture,
    topic_of: Any,
    raw: bytes,
    error: str,
) -> None:
    outcome = router.handle(topic_of(registry.kdl), raw)
    assert (outcome.status, outcome.error) == ("rejected", error)
    assert error in caplog.text
    assert _count(api, TelemetryReading) == 0
    assert _count(api, BoothState) == 0


def test_a_disabled_booth_is_not_heard(api: Api, registry: Registry, router: InboundRouter) -> None:
    with api.ctx.uow() as uow:
        booth = uow.session.execute(select(Booth).where(Booth.code == registry.qs)).scalar_one()
        booth.enabled = False
    raw = _body(at="2026-11-26T10:00:00+08:00", value="open")
    assert router.handle(telemetry_topic(registry.qs, "door"), raw).error == "booths.disabled"
    assert _count(api, TelemetryReading) == 0


def _staff(uow: UnitOfWork, username: str) -> Actor:
    account = uow.session.execute(
        select(StaffAccount).where(StaffAccount.username == username)
    ).scalar_one()
    return Actor("staff", account.id, account.username, role=account.role, org_path="/BT/KDL/")


def _issue(api: Api, code: str, expires_in_s: int = 60) -> uuid.UUID:
    with api.ctx.uow() as uow:
        view = commands.issue_command(
            uow,
            _staff(uow, "sup-kdl"),
            code,
            "announcement",
            {"text": "请注意安全"},
            expires_in_s,
            "演练",
        )
    return uuid.UUID(view["id"])


def _command(api: Api, command_id: uuid.UUID) -> BoothCommand:
    with api.ctx.uow() as uow:
        return uow.session.get_one(BoothCommand, command_id)


def test_a_command_goes_queued_sent_acknowledged_succeeded_with_an_audit_entry_each(
    api: Api, registry: Registry, router: InboundRouter
) -> None:
    command_id = _issue(api, registry.kdl)
    with api.ctx.uow() as uow:
        due = commands.due_for_dispatch(uow)
    assert [(code, m.id, m.kind) for code, m in due] == [(registry.kdl, command_id, "announcement")]
    with api.ctx.uow() as uow:
        assert commands.mark_sent(uow, command_id)
    topic = command_ack_topic(registry.kdl, command_id)
    ack = _body(at="2026-11-26T10:00:01+08:00", status="acknowledged")
    done = _body(at="2026-11-26T10:00:02+08:00", status="succeeded", detail="已播报")
    assert router.handle(topic, ack).status == "applied"
    assert router.handle(topic, done).status == "applied"
    assert router.handle(topic, ack).status == "unchanged"  # a late duplicate
    command = _command(api, command_id)
    assert command.state == "succeeded"
    assert command.sent_at and command.acknowledged_at and command.finished_at
    assert command.outcome == {"error": None, "detail": "已播报"}
    assert _actions(api, "booth_command.") == [
        "booth_command.queued",
        "booth_command.sent",
        "booth_command.acknowledged",
        "booth_command.succeeded",
    ]
    with api.ctx.uow() as uow:
        assert commands.due_for_dispatch(uow) == []


def test_a_booth_cannot_answer_another_booths_command(
    api: Api, registry: Registry, router: InboundRouter
) -> None:
    command_id = _issue(api, registry.kdl)
    raw = _body(at="2026-11-26T10:00:01+08:00", status="succeeded")
    outcome = router.handle(command_ack_topic(registry.qs, command_id), raw)
    assert outcome.error == "booths.command_not_found"
    assert _command(api, command_id).state == "queued"


def test_a_command_nobody_acknowledges_expires_by_the_injected_clock(
    api: Api, registry: Registry, router: InboundRouter
) -> None:
    command_id = _issue(api, registry.kdl, expires_in_s=30)
    with api.ctx.uow() as uow:
        commands.mark_sent(uow, command_id)
    api.clock.advance(timedelta(seconds=29))
    with api.ctx.uow() as uow:
        assert commands.expire_commands(uow) == 0
    api.clock.advance(timedelta(seconds=1))
    with api.ctx.uow() as uow:
        assert commands.expire_commands(uow) == 1
        assert commands.due_for_dispatch(uow) == []
    late = _body(at="2026-11-26T10:01:00+08:00", status="succeeded")
    assert router.handle(command_ack_topic(registry.kdl, command_id), late).status == "unchanged"
    command = _command(api, command_id)
    assert command.state == "expired" and command.finished_at == api.clock.now()
    assert _actions(api, "booth_command.")[-1] == "booth_command.expired"


def test_a_reply_overtaking_the_sent_record_leaves_the_command_where_the_reply_put_it(
    api: Api, registry: Registry
) -> None:
    command_id = _issue(api, registry.kdl)
    with api.ctx.uow() as uow:
        booth_id = uow.session.execute(
            select(Booth.id).where(Booth.code == registry.kdl)
        ).scalar_one()
        reply = CommandReply.model_validate({"at": api.clock.now(), "status": "acknowledged"})
        assert commands.record_reply(uow, Actor("booth", booth_id, registry.kdl), command_id, reply)
    with api.ctx.uow() as uow:
        assert not commands.mark_sent(uow, command_id)
    assert _command(api, command_id).state == "acknowledged"


def test_retention_trims_the_history_by_receipt_but_not_the_current_state(
    api: Api, registry: Registry, router: InboundRouter
) -> None:
    """Age is the centre's time of receipt: a reading a node held offline for 6 days and
    delivered 29 days ago stays (by the booth's time it would be 35 days old)."""
    topic = telemetry_topic(registry.kdl, "temperature_c")
    start = api.clock.now()
    for received_days, held_days, value in ((40, 0, 10.0), (31, 0, 11.0), (29, 6, 12.0)):
        api.clock.set(start - timedelta(days=received_days))
        at = (api.clock.now() - timedelta(days=held_days)).isoformat()
        assert router.handle(topic, _body(at=at, value=value)).status == "applied"
    api.clock.set(start)
    assert purge_telemetry(api.ctx.uow, keep_days=30, batch=1) == 2
    with api.ctx.uow() as uow:
        kept = uow.session.execute(select(TelemetryReading.value)).scalars().all()
    assert kept == [12.0]
    # The current state keeps the latest by the booth's time (11.0, its row purged).
    assert _state(api, registry.kdl).values["temperature_c"]["value"] == 11.0
    assert _actions(api, "telemetry.purged") == ["telemetry.purged"]
