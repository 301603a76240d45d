"""Booth timestamps and the booth a report names (issue 12 §4): one rule on HTTP and MQTT.

The probe's findings, each a test: telemetry dated 1900 and 9999, a help call dated
9999-12-31 and a plate read in 2999 were accepted; a payload naming another booth on a
booth's own topic was stored under the sender while HTTP refused it with 403; plate-read
retention aged reads by the booth's clock. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from gangting.booths.clock import ClockWindow, check_booth_report, check_booth_time
from gangting.booths.errors import BoothClockSkew, BoothMismatch
from gangting.booths.models import Booth, BoothState, HelpCall, TelemetryReading
from gangting.booths.topics import (
    availability_topic,
    command_ack_topic,
    help_calls_topic,
    plate_reads_topic,
    state_topic,
    telemetry_topic,
)
from gangting.desks.plate_read_retention import purge_plate_reads
from gangting.devices.ingest import InboundRouter
from gangting.plate_reads.models import PlateReadRecord
from gangting.worker import plate_read_handler
from tests import builders
from tests.desks.conftest import Api
from tests.desks.conftest import Booth as BoothSession
from tests.devices.conftest import Registry
from tests.devices.harness import Harness, wait_until

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
WINDOW = ClockWindow(ahead_s=300, behind_s=7 * 86400)


def _count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def _body(**fields: Any) -> bytes:
    return json.dumps({"v": "1.0", **fields}).encode()


@pytest.fixture
def router(api: Api) -> InboundRouter:
    return InboundRouter(api.ctx.uow, plate_reads=plate_read_handler(api.ctx.settings))


# --- the pure rule


def test_the_window_is_inclusive_and_refuses_beyond_it_with_a_named_zh_cn_error() -> None:
    check_booth_time(NOW + timedelta(seconds=300), NOW, WINDOW)
    check_booth_time(NOW - timedelta(days=7), NOW, WINDOW)
    with pytest.raises(BoothClockSkew) as ahead:
        check_booth_time(NOW + timedelta(seconds=301), NOW, WINDOW)
    assert ahead.value.code == "booths.clock_skew" and ahead.value.http_status == 422
    assert "晚于中心时间超过300秒" in ahead.value.message
    assert ahead.value.data["centre_time"] == NOW.isoformat()
    with pytest.raises(BoothClockSkew) as behind:
        check_booth_time(NOW - timedelta(days=7, seconds=1), NOW, WINDOW, "first_seen_at")
    assert "早于中心时间超过7天" in behind.value.message
    assert behind.value.data["field"] == "first_seen_at"
    # The future bound alone (state, availability): an old time passes, 9999 does not.
    check_booth_time(datetime(1900, 1, 1, tzinfo=UTC), NOW, WINDOW.future_only())
    with pytest.raises(BoothClockSkew):
        check_booth_time(datetime(9999, 1, 1, tzinfo=UTC), NOW, WINDOW.future_only())
    with pytest.raises(ValueError):
        check_booth_time(datetime(2026, 11, 26), NOW, WINDOW)  # noqa: DTZ001  (naive)


def test_the_named_booth_comes_first_and_a_time_not_given_passes() -> None:
    check_booth_report("BT-A", None, [("at", None)], NOW, WINDOW)
    check_booth_report("BT-A", "BT-A", [("at", NOW)], NOW, WINDOW)
    with pytest.raises(BoothMismatch) as refused:
        check_booth_report("BT-A", "BT-B", [("at", datetime(9999, 1, 1, tzinfo=UTC))], NOW, WINDOW)
    assert refused.value.code == "booths.mismatch" and refused.value.http_status == 403


# --- MQTT


@pytest.mark.parametrize("year", [1900, 9999])
def test_mqtt_telemetry_dated_1900_or_9999_is_refused_counted_and_not_stored(
    api: Api, registry: Registry, router: InboundRouter, year: int
) -> None:
    at = datetime(year, 6, 1, tzinfo=UTC).isoformat()
    outcome = router.handle(telemetry_topic(registry.kdl, "door"), _body(at=at, value="open"))
    assert (outcome.status, outcome.error) == ("rejected", "booths.clock_skew")
    assert _count(api, TelemetryReading) == 0 and _count(api, BoothState) == 0
    assert router.refused[(registry.kdl, "booths.clock_skew")] == 1


def test_mqtt_help_call_dated_9999_and_plate_read_in_2999_are_refused(
    api: Api, registry: Registry, router: InboundRouter
) -> None:
    call = _body(at="9999-12-31T00:00:00+08:00", id=str(uuid.uuid4()), kind="assistance")
    outcome = router.handle(help_calls_topic(registry.kdl), call)
    assert (outcome.status, outcome.error) == ("rejected", "booths.clock_skew")
    read = builders.plate_read_body(registry.kdl, "蒙B12345", datetime(2999, 1, 1, tzinfo=UTC))
    outcome = router.handle(plate_reads_topic(registry.kdl), json.dumps(read).encode())
    assert (outcome.status, outcome.error) == ("rejected", "booths.clock_skew")
    assert _count(api, HelpCall) == 0 and _count(api, PlateReadRecord) == 0
    # A read the node held offline for 6 days is taken.
    held = builders.plate_read_body(registry.kdl, "蒙B12345", api.clock.now() - timedelta(days=6))
    assert router.handle(plate_reads_topic(registry.kdl), json.dumps(held).encode()).status == (
        "applied"
    )


def test_mqtt_command_replies_are_held_to_the_window_too(
    api: Api, registry: Registry, router: InboundRouter
) -> None:
    reply = _body(at="9999-01-01T00:00:00+00:00", status="acknowledged")
    outcome = router.handle(command_ack_topic(registry.kdl, uuid.uuid4()), reply)
    assert (outcome.status, outcome.error) == ("rejected", "booths.clock_skew")


def test_retained_state_and_availability_are_held_to_the_future_bound_only(
    api: Api, registry: Registry, router: InboundRouter
) -> None:
    """A last will carries the time its connection opened (days ago, for a booth online
    that long); a state dated 9999 would win over every later one."""
    old = (api.clock.now() - timedelta(days=30)).isoformat()
    will = _body(at=old, status="offline", session="s1", reason="will")
    assert router.handle(availability_topic(registry.kdl), will).status != "rejected"
    future = _body(at="9999-01-01T00:00:00+00:00", kiosk="locked")
    outcome = router.handle(state_topic(registry.kdl), future)
    assert (outcome.status, outcome.error) == ("rejected", "booths.clock_skew")
    assert router.handle(state_topic(registry.kdl), _body(at=old, kiosk="locked")).status == (
        "applied"
    )


def test_mqtt_payload_naming_another_booth_is_refused_like_https_403(
    api: Api, registry: Registry, router: InboundRouter
) -> None:
    at = api.clock.now().isoformat()
    topic = telemetry_topic(registry.kdl, "door")
    outcome = router.handle(topic, _body(at=at, value="open", booth=registry.qs))
    assert (outcome.status, outcome.error) == ("rejected", "booths.mismatch")
    read = builders.plate_read_body(registry.qs, "蒙B12345", api.clock.now())
    outcome = router.handle(plate_reads_topic(registry.kdl), json.dumps(read).encode())
    assert (outcome.status, outcome.error) == ("rejected", "booths.mismatch")
    call = _body(at=at, id=str(uuid.uuid4()), booth=registry.qs)
    assert router.handle(help_calls_topic(registry.kdl), call).error == "booths.mismatch"
    assert _count(api, TelemetryReading) == 0
    assert _count(api, PlateReadRecord) == 0 and _count(api, HelpCall) == 0
    assert router.refused[(registry.kdl, "booths.mismatch")] == 3
    # Naming itself is fine.
    assert router.handle(topic, _body(at=at, value="open", booth=registry.kdl)).status == (
        "applied"
    )


def test_a_refused_message_in_a_batch_is_answered_alone(
    api: Api, registry: Registry, router: InboundRouter
) -> None:
    now = api.clock.now()
    good = _body(at=now.isoformat(), value="open")
    bad = _body(at="9999-01-01T00:00:00+00:00", value="closed")
    other = _body(at=now.isoformat(), value="ok", booth=registry.qs)
    read = builders.plate_read_body(registry.kdl, "蒙B12345", datetime(2999, 1, 1, tzinfo=UTC))
    outcomes = router.handle_batch(
        [
            (telemetry_topic(registry.kdl, "door"), good),
            (telemetry_topic(registry.kdl, "door"), bad),
            (telemetry_topic(registry.kdl, "paper"), other),
            (plate_reads_topic(registry.kdl), json.dumps(read).encode()),
        ]
    )
    assert [(o.status, o.error) for o in outcomes] == [
        ("applied", None),
        ("rejected", "booths.clock_skew"),
        ("rejected", "booths.mismatch"),
        ("rejected", "booths.clock_skew"),
    ]
    assert _count(api, TelemetryReading) == 1


def test_the_window_follows_the_configured_settings(api: Api, registry: Registry) -> None:
    from gangting.desks.booth_reports import clock_window

    settings = api.ctx.settings.model_copy(update={"booth_clock_skew_s": 60})
    router = InboundRouter(api.ctx.uow, clock_window=clock_window(settings))
    at = (api.clock.now() + timedelta(seconds=120)).isoformat()
    outcome = router.handle(telemetry_topic(registry.kdl, "door"), _body(at=at, value="open"))
    assert outcome.error == "booths.clock_skew"
    assert clock_window(api.ctx.settings) == ClockWindow(300, 7 * 86400)


# --- HTTP: the same rule, the same codes


@pytest.fixture
def kdl_booth(api: Api, registry: Registry) -> BoothSession:
    return BoothSession(api, api.login_booth(registry.kdl))


@pytest.mark.parametrize("at", ["1900-01-01T00:00:00+00:00", "9999-12-31T00:00:00+08:00"])
def test_http_reports_dated_outside_the_window_get_422_in_zh_cn(
    api: Api, kdl_booth: BoothSession, at: str
) -> None:
    for path, body in (
        ("/api/v1/booths/telemetry", {"kind": "door", "value": "open", "at": at}),
        ("/api/v1/help-calls", {"kind": "assistance", "at": at}),
        ("/api/v1/receipts/printed", {"receipt_no": "RC-0001", "at": at}),
    ):
        r = kdl_booth.post(path, body)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["error"] == "booths.clock_skew"
        assert "岗亭" in r.json()["message"] and "时钟" in r.json()["message"]
    assert _count(api, TelemetryReading) == 0 and _count(api, HelpCall) == 0


def test_http_plate_read_in_2999_gets_422_and_another_booth_403(
    api: Api, registry: Registry, kdl_booth: BoothSession
) -> None:
    future = builders.plate_read_body(registry.kdl, "蒙B12345", datetime(2999, 1, 1, tzinfo=UTC))
    r = kdl_booth.post("/api/v1/booth/plate-reads", future)
    assert (r.status_code, r.json()["error"]) == (422, "booths.clock_skew")
    foreign = builders.plate_read_body(registry.qs, "蒙B12345", api.clock.now())
    r = kdl_booth.post("/api/v1/booth/plate-reads", foreign)
    assert (r.status_code, r.json()["error"]) == (403, "booths.mismatch")
    own = builders.plate_read_body(registry.kdl, "蒙B12345", api.clock.now() - timedelta(days=6))
    assert kdl_booth.post("/api/v1/booth/plate-reads", own).status_code == 201
    assert _count(api, PlateReadRecord) == 1


def test_http_report_without_a_time_or_within_the_window_is_taken(
    api: Api, kdl_booth: BoothSession
) -> None:
    r = kdl_booth.post("/api/v1/booths/telemetry", {"kind": "door", "value": "open"})
    assert r.status_code == 201, r.text
    at = (api.clock.now() + timedelta(seconds=299)).isoformat()
    r = kdl_booth.post("/api/v1/booths/telemetry", {"kind": "door", "value": "closed", "at": at})
    assert r.status_code == 201, r.text


# --- retention by receipt


def test_plate_read_retention_ages_reads_by_the_centres_time_of_receipt(
    api: Api, registry: Registry, router: InboundRouter
) -> None:
    """A read held 6 days on the node and received 88 days ago stays at 90 days' retention
    (it passed 94 days ago); one received 91 days ago goes."""
    start = api.clock.now()
    kept = builders.plate_read_body(registry.kdl, "蒙B12345", start - timedelta(days=94))
    gone = builders.plate_read_body(registry.kdl, "蒙B12346", start - timedelta(days=91))
    api.clock.set(start - timedelta(days=88))
    assert router.handle(plate_reads_topic(registry.kdl), json.dumps(kept).encode()).status == (
        "applied"
    )
    api.clock.set(start - timedelta(days=91))
    assert router.handle(plate_reads_topic(registry.kdl), json.dumps(gone).encode()).status == (
        "applied"
    )
    api.clock.set(start)
    result = purge_plate_reads(api.ctx.uow, keep_days=90, evidence_days=30)
    assert result.deleted == 1
    with api.ctx.uow() as uow:
        left = uow.session.execute(select(PlateReadRecord.plate_no)).scalars().all()
        assert uow.session.execute(select(func.count()).select_from(Booth)).scalar_one() == 2
    assert left == ["蒙B12345"]


# --- over the broker: the booth is told


def test_the_booth_is_told_of_a_refusal_on_its_refusals_topic(
    api: Api, registry: Registry, harness: Harness
) -> None:
    """A QoS 1 publish is acknowledged by the broker, not by the centre: the centre tells
    the booth what it refused (topic, code, zh-CN message), once per booth and code within
    the throttle, and stores nothing."""
    centre = harness.centre()
    booth = harness.booth(registry.kdl)
    other = harness.booth(registry.qs)
    future = datetime(9999, 1, 1, tzinfo=UTC)
    booth.publish_telemetry("door", "open", at=future).wait_for_publish(5)
    assert wait_until(lambda: len(booth.refusals) == 1, 10)
    notice = booth.refusals[0]
    assert notice.topic == telemetry_topic(registry.kdl, "door")
    assert notice.error == "booths.clock_skew" and "请校准岗亭时钟" in notice.message
    assert notice.data["centre_time"] == api.clock.now().isoformat()
    assert not other.refusals  # only the sender is told
    # The same refusal again within the throttle: counted, not told again.
    booth.publish_telemetry("door", "closed", at=future).wait_for_publish(5)
    assert wait_until(lambda: centre.stats["refusal_notices_suppressed"] == 1, 10)
    assert len(booth.refusals) == 1
    assert _count(api, TelemetryReading) == 0
