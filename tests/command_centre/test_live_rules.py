"""The live-event envelope, who sees what, and the replay buffer (pure, no broker)."""

from __future__ import annotations

import uuid

import pytest

from gangting.command_centre.live_rules import (
    REPLAY_MARGIN_MS,
    LiveEvent,
    LiveEventInvalid,
    ReplayBuffer,
    decode_event,
    encode_event,
    id_ms,
    topic_for,
    visible_to,
)


def uuid7_at(ms: int, tail: int = 0) -> uuid.UUID:
    """A UUIDv7 with the given millisecond timestamp (version and variant bits set)."""
    value = (ms << 80) | (0x7 << 76) | (0b10 << 62) | (tail & ((1 << 62) - 1))
    return uuid.UUID(int=value)


def event(
    ms: int, *, org_path: str | None = "/BT/KDL/KDL-1/", role: str = "officer", tail: int = 0
) -> LiveEvent:
    return LiveEvent(
        id=uuid7_at(ms, tail),
        kind="alert",
        at="2026-11-26T02:00:00+00:00",
        org_path=org_path,
        data={"id": "a1"},
        booth="BT-KDL-001",
        min_role=role,  # type: ignore[arg-type]
    )


def test_a_uuid7_carries_its_millisecond_timestamp() -> None:
    assert id_ms(uuid7_at(1_764_120_000_123)) == 1_764_120_000_123
    assert id_ms(uuid.uuid4()) == 0


def test_an_event_survives_encoding_and_decoding() -> None:
    original = event(1000)
    decoded = decode_event(encode_event(original))
    assert decoded == original


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2]",
        b'{"v": "2.0", "id": "00000000-0000-7000-8000-000000000000", "kind": "alert", "data": {}}',
        b'{"v": "1.0", "id": "00000000-0000-7000-8000-000000000000", "kind": "rain", "data": {}}',
        b'{"v": "1.0", "id": "not-a-uuid", "kind": "alert", "data": {}}',
        b'{"v": "1.0", "id": "00000000-0000-7000-8000-000000000000", "kind": "alert", "data": []}',
        b'{"v": "1.0", "id": "00000000-0000-7000-8000-000000000000", "kind": "alert", "data": {},'
        b' "min_role": "mayor"}',
    ],
)
def test_what_is_not_a_live_event_of_our_major_version_is_refused(raw: bytes) -> None:
    with pytest.raises(LiveEventInvalid):
        decode_event(raw)


def test_a_newer_minor_version_is_read() -> None:
    raw = encode_event(event(5)).replace(b'"v":"1.0"', b'"v":"1.7"')
    assert decode_event(raw).id == event(5).id


def test_topics_are_one_level_per_kind_under_the_prefix() -> None:
    assert topic_for("gangting/v1/centre/live", "alert") == "gangting/v1/centre/live/alert"
    with pytest.raises(ValueError):
        topic_for("gangting/v1/centre/live", "weather")


@pytest.mark.parametrize(
    ("role", "scope", "event_path", "min_role", "seen"),
    [
        ("officer", "/BT/KDL/", "/BT/KDL/KDL-1/", "officer", True),
        ("officer", "/BT/QS/", "/BT/KDL/KDL-1/", "officer", False),
        ("officer", "/BT/KDL/", "/BT/KDL/KDL-1/", "supervisor", False),
        ("supervisor", "/BT/KDL/", "/BT/KDL/KDL-1/", "supervisor", True),
        ("admin", "/BT/", None, "supervisor", True),
        ("supervisor", "/BT/", None, "officer", False),
        ("officer", None, "/BT/KDL/", "officer", False),
        (None, "/BT/", "/BT/KDL/", "officer", False),
    ],
)
def test_staff_see_events_of_their_org_scope_and_role(
    role: str | None, scope: str | None, event_path: str | None, min_role: str, seen: bool
) -> None:
    assert visible_to(event(1, org_path=event_path, role=min_role), role, scope) is seen


def test_an_event_addressed_to_a_person_reaches_them_whatever_their_role_and_unit() -> None:
    """An instruction goes to supervisors of its unit and to its recipients' phones."""
    addressed = LiveEvent(
        id=uuid7_at(5),
        kind="instruction",
        at="2026-11-26T02:00:00+00:00",
        org_path="/BT/KDL/",
        data={"id": "i1"},
        min_role="supervisor",
        audience=("off-kdl-1",),
    )
    assert decode_event(encode_event(addressed)) == addressed
    assert visible_to(addressed, "officer", "/BT/KDL/KDL-1/", "off-kdl-1")
    assert not visible_to(addressed, "officer", "/BT/KDL/KDL-1/", "off-kdl-2")
    assert not visible_to(addressed, "officer", "/BT/KDL/KDL-1/")
    assert visible_to(addressed, "supervisor", "/BT/KDL/", "sup-kdl")


def test_a_reconnect_gets_what_came_after_its_last_event_and_the_margin_before_it() -> None:
    buffer = ReplayBuffer(size=100, started_ms=0)
    events = [event(10_000 + i * 1000, tail=i) for i in range(6)]  # 10 s … 15 s
    buffer.extend(events)
    replay = buffer.since(events[3].id)  # last seen at 13 s
    assert not replay.gap
    # 11 s … 15 s: the margin (2 s) before 13 s, minus the event itself
    assert [e.id for e in replay.events] == [events[1].id, events[2].id, events[4].id, events[5].id]
    assert REPLAY_MARGIN_MS == 2000


def test_a_fresh_client_gets_no_replay() -> None:
    buffer = ReplayBuffer(size=10, started_ms=0)
    buffer.append(event(1))
    assert buffer.since(None).events == ()
    assert not buffer.since(None).gap


def test_a_gap_is_reported_when_the_window_was_evicted() -> None:
    buffer = ReplayBuffer(size=3, started_ms=0)
    events = [event(10_000 + i * 1000, tail=i) for i in range(6)]
    buffer.extend(events)  # holds 13 s, 14 s, 15 s; 12 s was evicted
    assert buffer.since(events[4].id).gap  # window from 12 s: 12 s is gone
    assert not buffer.since(events[5].id).gap  # window from 13 s: all held


def test_a_gap_is_reported_when_the_worker_started_after_the_window() -> None:
    buffer = ReplayBuffer(size=10, started_ms=20_000)
    held = event(21_000)
    buffer.append(held)
    assert buffer.since(uuid7_at(15_000)).gap
    assert buffer.since(uuid7_at(21_500)).gap  # the window starts before, not held here
    assert not buffer.since(held.id).gap  # this worker saw the browser's last event
    assert not buffer.since(uuid7_at(23_000)).gap
