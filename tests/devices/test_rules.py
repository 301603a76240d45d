"""Pure rules of booths over MQTT: command lifecycle, availability, topics and their ACL,
payload versions, broker password hashes. No database, no broker."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gangting.booths.credentials import mosquitto_hash, mosquitto_verify
from gangting.booths.errors import PayloadInvalid, PayloadVersionUnsupported, TopicUnknown
from gangting.booths.payloads import (
    AvailabilityReport,
    CommandParamsInvalid,
    TelemetryReport,
    decode,
    decode_telemetry,
    parse_params,
)
from gangting.booths.rules import (
    availability_applies,
    command_expired,
    command_may_move,
    reading_is_current,
)
from gangting.booths.topics import (
    Route,
    booth_acl,
    centre_acl,
    command_ack_topic,
    command_topic,
    filter_within,
    may_publish,
    may_receive,
    may_subscribe,
    parse_topic,
    telemetry_topic,
    topic_matches,
)

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
CID = uuid.UUID("01900000-0000-7000-8000-000000000001")


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("queued", "sent", True),
        ("queued", "acknowledged", True),  # the booth's reply overtook the "sent" record
        ("queued", "expired", True),
        ("sent", "acknowledged", True),
        ("sent", "failed", True),
        ("acknowledged", "succeeded", True),
        ("acknowledged", "expired", True),
        ("acknowledged", "sent", False),  # never backwards
        ("acknowledged", "acknowledged", False),  # a duplicate changes nothing
        ("succeeded", "failed", False),  # final is final
        ("expired", "succeeded", False),  # a result after expiry changes nothing
        ("failed", "acknowledged", False),
        ("queued", "bogus", False),
    ],
)
def test_a_command_only_moves_forward_and_never_leaves_a_final_state(
    current: str, new: str, allowed: bool
) -> None:
    assert command_may_move(current, new) is allowed


def test_a_command_is_expired_from_its_expiry_instant_on() -> None:
    assert not command_expired(T0, T0 - timedelta(microseconds=1))
    assert command_expired(T0, T0)
    with pytest.raises(ValueError):
        command_expired(T0.replace(tzinfo=None), T0)


@pytest.mark.parametrize(
    ("current", "current_session", "new", "new_session", "applies"),
    [
        ("unknown", None, "online", "s1", True),
        ("online", "s1", "offline", "s1", True),  # its own last will
        ("offline", "s1", "online", "s2", True),  # a new connection
        ("offline", "s1", "online", "s1", False),  # a stale "online" after its own will
        ("online", "s2", "offline", "s1", False),  # an old connection's late will
        ("unknown", None, "offline", "s1", True),  # first news is a will (retained)
        ("offline", "s1", "offline", "s2", True),
    ],
)
def test_availability_is_ordered_by_connection_not_by_the_booth_clock(
    current: str, current_session: str | None, new: str, new_session: str, applies: bool
) -> None:
    assert availability_applies(current, current_session, new, new_session) is applies


def test_an_older_reading_never_becomes_current() -> None:
    assert reading_is_current(None, T0)
    assert reading_is_current(T0, T0)
    assert reading_is_current(T0, T0 + timedelta(seconds=1))
    assert not reading_is_current(T0, T0 - timedelta(seconds=1))


@pytest.mark.parametrize(
    ("topic", "route"),
    [
        ("gangting/v1/booths/BT-KDL-001/telemetry/door", Route("BT-KDL-001", "telemetry", "door")),
        ("gangting/v1/booths/BT-KDL-001/state", Route("BT-KDL-001", "state")),
        ("gangting/v1/booths/BT-KDL-001/availability", Route("BT-KDL-001", "availability")),
        ("gangting/v1/booths/BT-KDL-001/plate-reads", Route("BT-KDL-001", "plate_reads")),
        ("gangting/v1/booths/BT-KDL-001/help-calls", Route("BT-KDL-001", "help_calls")),
        (
            f"gangting/v1/booths/BT-KDL-001/commands/{CID}/ack",
            Route("BT-KDL-001", "ack", None, CID),
        ),
    ],
)
def test_booth_topics_parse_into_routes(topic: str, route: Route) -> None:
    assert parse_topic(topic) == route


@pytest.mark.parametrize(
    "topic",
    [
        "gangting/v2/booths/BT-KDL-001/state",
        "gangting/v1/booths/bt-kdl-001/state",  # codes are upper case
        "gangting/v1/booths/BT-KDL-001/telemetry/Door",
        "gangting/v1/booths/BT-KDL-001/telemetry/door/extra",
        f"gangting/v1/booths/BT-KDL-001/commands/{CID}",  # the centre's own command topic
        "gangting/v1/booths/BT-KDL-001/commands/not-a-uuid/ack",
        "gangting/v1/booths/BT-KDL-001",
    ],
)
def test_topics_outside_the_scheme_are_refused_by_name(topic: str) -> None:
    with pytest.raises(TopicUnknown) as exc:
        parse_topic(topic)
    assert exc.value.code == "booths.topic_unknown"


def test_topic_builders_refuse_codes_that_would_escape_their_level() -> None:
    for code in ("BT/001", "BT-+", "BT-#", ""):
        with pytest.raises(ValueError):
            telemetry_topic(code, "door")
    assert command_ack_topic("BT-KDL-001", CID) == command_topic("BT-KDL-001", CID) + "/ack"


@pytest.mark.parametrize(
    ("topic_filter", "topic", "matches"),
    [
        ("a/+/c", "a/b/c", True),
        ("a/#", "a/b/c", True),
        ("a/#", "a", True),
        ("a/+", "a/b/c", False),
        ("a/b", "a/b/c", False),
        ("a/b/c", "a/b", False),
    ],
)
def test_mqtt_filter_matching(topic_filter: str, topic: str, matches: bool) -> None:
    assert topic_matches(topic_filter, topic) is matches


@pytest.mark.parametrize(
    ("requested", "allowed", "within"),
    [
        ("a/b/+", "a/b/+", True),
        ("a/b/c", "a/b/+", True),
        ("a/b/#", "a/b/+", False),
        ("a/#", "a/b/+", False),
        ("a/+/c", "a/b/c", False),
        ("a/b/c/d", "a/#", True),
    ],
)
def test_a_subscription_must_stay_inside_what_is_allowed(
    requested: str, allowed: str, within: bool
) -> None:
    assert filter_within(requested, allowed) is within


def test_a_booth_may_use_only_its_own_topics_and_the_centre_all() -> None:
    mine, other = "BT-KDL-001", "BT-KDL-002"
    acl = booth_acl(mine)
    assert may_publish(acl, telemetry_topic(mine, "door"))
    assert may_publish(acl, command_ack_topic(mine, CID))
    assert not may_publish(acl, telemetry_topic(other, "door"))
    assert not may_publish(acl, command_topic(mine, CID))  # only the centre commands
    assert may_subscribe(acl, f"gangting/v1/booths/{mine}/commands/+")
    assert not may_subscribe(acl, f"gangting/v1/booths/{mine}/#")
    assert not may_subscribe(acl, f"gangting/v1/booths/{other}/commands/+")
    assert not may_subscribe(acl, "gangting/v1/#")
    assert may_receive(acl, command_topic(mine, CID))
    assert not may_receive(acl, command_topic(other, CID))
    centre = centre_acl()
    assert may_subscribe(centre, "gangting/v1/booths/+/telemetry/+")
    assert may_publish(centre, command_topic(other, CID))


def _raw(**fields: object) -> bytes:
    import json

    return json.dumps({"at": "2026-11-26T10:00:00+08:00", **fields}).encode()


def test_a_newer_minor_version_is_read_and_its_new_fields_ignored() -> None:
    report = decode(TelemetryReport, _raw(v="1.7", value=3, colour_of_the_sky="blue"))
    assert report.value == 3 and report.v == "1.7"


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (_raw(v="2.0", value=1), PayloadVersionUnsupported),
        (_raw(value=1), PayloadInvalid),  # no version
        (_raw(v="one", value=1), PayloadInvalid),
        (b"{not json", PayloadInvalid),
        (b"[1, 2]", PayloadInvalid),
        (b"\xff\xfe", PayloadInvalid),
        (_raw(v="1.0"), PayloadInvalid),  # no value
        (b'{"v": "1.0", "at": "2026-11-26T10:00:00", "value": 1}', PayloadInvalid),  # naive
        (b"x" * (65 * 1024), PayloadInvalid),
    ],
)
def test_bad_payloads_are_refused_with_a_named_error(raw: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        decode(TelemetryReport, raw)


@pytest.mark.parametrize(
    ("kind", "value", "ok"),
    [
        ("door", "open", True),
        ("door", "ajar", False),
        ("temperature_c", 24.5, True),
        ("temperature_c", 150, False),
        ("temperature_c", True, False),
        ("queue_length", 3, True),
        ("queue_length", -1, False),
        ("paper", "low", True),
        ("camera_road_1", "fault", True),
        ("camera_road_1", "blurry", False),
        ("heartbeat", 120, True),
        ("humidity_pct", 40, True),  # a kind a newer booth knows: kept as reported
    ],
)
def test_known_telemetry_kinds_have_checked_values(kind: str, value: object, ok: bool) -> None:
    raw = _raw(v="1.0", value=value)
    if ok:
        assert decode_telemetry(kind, raw).value == value
    else:
        with pytest.raises(PayloadInvalid):
            decode_telemetry(kind, raw)


def test_availability_reports_name_their_connection() -> None:
    raw = _raw(v="1.0", status="offline", session="abc123", reason="will")
    assert decode(AvailabilityReport, raw).session == "abc123"
    with pytest.raises(PayloadInvalid):
        decode(AvailabilityReport, _raw(v="1.0", status="maybe", session="abc"))


def test_command_parameters_are_checked_per_kind() -> None:
    assert parse_params("announcement", {"text": "请注意"}).model_dump() == {
        "text": "请注意",
        "repeat": 1,
    }
    for kind, params in [
        ("announcement", {}),
        ("announcement", {"text": "x" * 201}),
        ("restart_adapter", {"adapter": "toaster"}),
        ("unlock_kiosk", {"extra": 1}),
        ("self_destruct", {}),
    ]:
        with pytest.raises(CommandParamsInvalid):
            parse_params(kind, params)


def test_broker_password_hashes_round_trip() -> None:
    hashed = mosquitto_hash("s3cret-pass-word")
    assert hashed.startswith("$7$101$")
    assert mosquitto_verify("s3cret-pass-word", hashed)
    assert not mosquitto_verify("s3cret-pass-worD", hashed)
    assert not mosquitto_verify("s3cret-pass-word", "$6$salt$hash")
    assert not mosquitto_verify("s3cret-pass-word", "$7$x$y$z")


@pytest.mark.skipif(shutil.which("mosquitto_passwd") is None, reason="mosquitto_passwd missing")
def test_our_hash_reads_what_mosquitto_passwd_writes(tmp_path: Path) -> None:
    pwfile = tmp_path / "pw"
    subprocess.run(
        ["mosquitto_passwd", "-b", "-c", str(pwfile), "BT-KDL-001", "from-mosquitto-1"], check=True
    )
    user, hashed = pwfile.read_text().strip().split(":", 1)
    assert user == "BT-KDL-001"
    assert mosquitto_verify("from-mosquitto-1", hashed)
    assert not mosquitto_verify("from-mosquitto-2", hashed)
