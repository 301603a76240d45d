"""Committed changes become live events (and rolled-back ones never do), whichever path
made them; a recording sink stands in for the broker."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from gangting.alerts import service as alerts
from gangting.alerts.models import Alert
from gangting.booths import commands
from gangting.booths.models import Booth, BoothCommand
from gangting.command_centre.changes import ChangeFeed
from gangting.instructions import service as instructions
from gangting.instructions.rules import DeadlinePolicy, Subject
from gangting.instructions.targeting import Targets
from gangting.kernel.actor import SYSTEM
from gangting.watchlists import hits
from tests.command_centre import scenario
from tests.command_centre.conftest import RecordingSink, World

Recorded = tuple[RecordingSink, ChangeFeed]


def drained(feed: ChangeFeed) -> None:
    assert feed.drain(10), "change feed did not drain"


def test_a_telemetry_reading_publishes_the_booth_state_with_its_colour(
    world: World, recorded: Recorded
) -> None:
    sink, feed = recorded
    scenario.telemetry(world.uow, "BT-KDL-001", "door", "open", world.clock.now())
    drained(feed)
    (event,) = sink.of("booth_state")
    assert event.booth == "BT-KDL-001"
    assert event.org_path == "/BT/KDL/KDL-1/"
    assert event.data["status"] == "fault"
    assert event.data["values"]["door"]["value"] == "open"
    assert [f["cause"] for f in event.data["faults"]] == ["door_open"]
    (alert,) = sink.of("alert")  # the fault alert raised in the same unit of work
    assert alert.data["kind"] == "booth_fault" and alert.data["state"] == "open"


def test_a_rolled_back_change_publishes_nothing(world: World, recorded: Recorded) -> None:
    sink, feed = recorded
    actor = scenario.booth_actor(world.uow, "BT-KDL-001")
    assert actor.id is not None
    with pytest.raises(RuntimeError), world.uow() as uow:
        from gangting.booths import service as booths

        booths.apply_telemetry(uow, actor.id, "door", "open", world.clock.now())
        raise RuntimeError("the request failed after the flush")
    drained(feed)
    assert sink.events == []


def test_a_row_added_in_a_savepoint_that_rolled_back_is_not_published(
    world: World, recorded: Recorded
) -> None:
    sink, feed = recorded
    with world.uow() as uow:
        booth = uow.session.execute(select(Booth).where(Booth.code == "BT-KDL-001")).scalar_one()
        try:
            with uow.session.begin_nested():
                alerts.raise_alert(
                    uow,
                    key="test:savepoint",
                    kind="booth_fault",
                    cause="door_open",
                    severity="high",
                    title="savepoint",
                    org_unit_id=booth.org_unit_id,
                    subject_kind="booth",
                    subject_id=booth.code,
                    booth_id=booth.id,
                )
                raise RuntimeError("undo the savepoint")
        except RuntimeError:
            pass
    drained(feed)
    assert sink.of("alert") == []


def test_a_plate_read_on_the_watch_list_publishes_read_hit_and_alert(
    world: World, recorded: Recorded
) -> None:
    sink, feed = recorded
    scenario.watch(world.uow, "sup-kdl", "off-kdl-1", "蒙B·7Q260", world.clock)
    read_id, hit = scenario.read_plate(world.uow, "BT-KDL-001", "蒙B7Q260", world.clock.now())
    assert hit is not None
    drained(feed)
    (read,) = sink.of("plate_read")
    assert read.data["id"] == str(read_id)
    assert read.data["plate"] == "蒙B·7Q260"
    assert read.data["has_evidence"] is True
    assert "evidence_jpeg_b64" not in read.data  # crops are fetched, not pushed
    (hit_event,) = sink.of("hit")
    assert hit_event.data["state"] == "pending" and hit_event.data["id"] == hit["id"]
    (alert,) = sink.of("alert")
    assert alert.data["kind"] == "hit" and alert.org_path == "/BT/KDL/KDL-1/"


def test_confirming_a_hit_publishes_the_hit_and_its_acknowledged_alert(
    world: World, recorded: Recorded
) -> None:
    sink, feed = recorded
    scenario.watch(world.uow, "sup-kdl", "off-kdl-1", "蒙B·7Q260", world.clock)
    _, hit = scenario.read_plate(world.uow, "BT-KDL-001", "蒙B7Q260", world.clock.now())
    assert hit is not None
    drained(feed)
    sink.events.clear()
    officer = scenario.staff_actor(world.uow, "off-kdl-1")
    with world.uow() as uow:
        hits.confirm_hit(uow, officer, uuid.UUID(hit["id"]), "核对无误")
    drained(feed)
    assert [e.data["state"] for e in sink.of("hit")] == ["confirmed"]
    assert [e.data["state"] for e in sink.of("alert")] == ["acknowledged"]


def test_remote_commands_publish_each_state_including_bulk_moves(
    world: World, recorded: Recorded
) -> None:
    sink, feed = recorded
    supervisor = scenario.staff_actor(world.uow, "sup-kdl")
    with world.uow() as uow:
        view = commands.issue_command(
            uow, supervisor, "BT-KDL-001", "announcement", {"text": "请注意安全"}, 60, None
        )
    with world.uow() as uow:  # the MQTT link's compare-and-set UPDATE
        assert commands.mark_sent(uow, uuid.UUID(view["id"]))
    drained(feed)
    states = [e.data["state"] for e in sink.of("booth_command")]
    assert states == ["queued", "sent"]
    assert all(e.booth == "BT-KDL-001" for e in sink.of("booth_command"))
    with world.uow() as uow:
        assert uow.session.get(BoothCommand, uuid.UUID(view["id"])) is not None


def test_instructions_are_published_to_supervisors_with_their_targets(
    world: World, recorded: Recorded
) -> None:
    sink, feed = recorded
    supervisor = scenario.staff_actor(world.uow, "sup-kdl")
    policy = DeadlinePolicy(acknowledge_within_s=180, report_within_s=1800, expire_after_s=7200)
    with world.uow() as uow:
        instruction = instructions.issue_instruction(
            uow,
            supervisor,
            instructions.IssueRequest(
                kind="check_booth",
                text="请到岗亭检查机柜门",
                targets=Targets(booth="BT-KDL-001"),
                subject=Subject(booth_code="BT-KDL-001"),
            ),
            policy,
        )
    # Instructions are read again when their event is built (their view needs every
    # target): let the first event go out before the next change.
    drained(feed)
    officer = scenario.staff_actor(world.uow, "off-kdl-1")
    with world.uow() as uow:
        instructions.acknowledge(uow, officer, instruction.id, None)
    drained(feed)
    events = sink.of("instruction")
    assert [e.min_role for e in events] == ["supervisor", "supervisor"]
    assert events[0].data["counts"]["acknowledged"] == 0
    assert events[-1].data["counts"]["acknowledged"] == 1
    assert events[-1].data["mine"] is None


def test_a_help_call_is_published(world: World, recorded: Recorded) -> None:
    sink, feed = recorded
    call_id = scenario.help_call(world.uow, "BT-QS-001")
    drained(feed)
    (event,) = sink.of("help_call")
    assert event.data["id"] == str(call_id)
    assert event.org_path == "/BT/QS/QS-1/"


def test_nothing_is_captured_while_no_sink_accepts(world: World, recorded: Recorded) -> None:
    sink, feed = recorded
    sink.accepting = False
    scenario.telemetry(world.uow, "BT-KDL-001", "door", "open", world.clock.now())
    drained(feed)
    assert sink.events == [] and feed.stats["skipped"] == 0


def test_an_alert_closed_by_a_sweep_outside_any_request_is_published(
    world: World, recorded: Recorded
) -> None:
    sink, feed = recorded
    scenario.telemetry(world.uow, "BT-KDL-001", "door", "open", world.clock.now())
    scenario.telemetry(
        world.uow, "BT-KDL-001", "door", "closed", world.clock.now() + timedelta(seconds=5)
    )
    drained(feed)
    with world.uow() as uow:
        alert = uow.session.execute(select(Alert)).scalar_one()
        assert alert.cleared_at is not None
    states = [(e.data["state"], e.data["cleared_at"] is not None) for e in sink.of("alert")]
    assert states == [("open", False), ("open", True)]
    assert SYSTEM.kind == "system"


def test_a_booth_reporting_fast_is_published_a_few_times_with_its_latest_state(
    world: World, recorded: Recorded
) -> None:
    sink, feed = recorded
    start = world.clock.now()
    for n in range(12):
        scenario.telemetry(
            world.uow, "BT-KDL-001", "queue_length", n, start + timedelta(seconds=n), faults=False
        )
    drained(feed)
    states = sink.of("booth_state")
    assert 1 <= len(states) < 12
    assert states[-1].data["values"]["queue_length"]["value"] == 11  # the latest always goes out
