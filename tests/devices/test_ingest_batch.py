"""The inbound router with many messages in one unit of work (``handle_batch``, what the
centre's link does under load): the same records as one message at a time, plate reads and
telemetry in a few statements, a refused message answered alone while the rest commits,
a redelivered batch writing nothing twice. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from gangting.alerts.models import Alert
from gangting.alerts.rules import FaultPolicy
from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth, BoothState, HelpCall, TelemetryReading
from gangting.booths.topics import (
    availability_topic,
    help_calls_topic,
    plate_reads_topic,
    telemetry_topic,
)
from gangting.devices.ingest import InboundRouter
from gangting.plate_reads.models import PlateReadRecord
from gangting.watchlists.derivation import rebuild_derived_entries
from gangting.watchlists.models import WatchListHit
from gangting.worker import plate_read_handler
from tests import builders
from tests.desks.conftest import Api
from tests.devices.conftest import Registry
from tests.watchlists.helpers import POLICY, car

STOLEN = "蒙BB2345"


def _count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def _router(api: Api) -> InboundRouter:
    return InboundRouter(
        api.ctx.uow,
        plate_reads=plate_read_handler(api.ctx.settings),
        faults=FaultPolicy(max_temperature_c=45.0),
    )


def _reading(api: Api, code: str, kind: str, value: Any, seconds: int) -> tuple[str, bytes]:
    at = api.clock.now() - timedelta(seconds=60 - seconds)
    body = {"v": "1.0", "at": at.isoformat(), "value": value}
    return telemetry_topic(code, kind), json.dumps(body).encode()


def _read(api: Api, code: str, plate: str, **change: Any) -> tuple[str, bytes]:
    seen = api.clock.now() - timedelta(seconds=5)
    body = builders.plate_read_body(code, plate, seen, **change)
    return plate_reads_topic(code), json.dumps(body, ensure_ascii=False).encode()


def _body(api: Api, **fields: Any) -> bytes:
    return json.dumps({"v": "1.0", "at": api.clock.now().isoformat(), **fields}).encode()


def _listed(api: Api) -> None:
    car(api, STOLEN, status="stolen")
    with api.ctx.uow() as uow:
        rebuild_derived_entries(uow, POLICY)


def test_a_mixed_batch_is_recorded_as_one_message_at_a_time_would_be(
    api: Api, registry: Registry
) -> None:
    _listed(api)
    kdl, qs = registry.kdl, registry.qs
    twice = _read(api, qs, "蒙B77777")
    batch = [
        _reading(api, kdl, "temperature_c", 30.5, 1),
        _read(api, kdl, "蒙BA1234"),
        (availability_topic(qs), _body(api, status="online", session="s1")),
        _reading(api, kdl, "temperature_c", 51.0, 2),  # too hot: a fault alert
        _read(api, kdl, STOLEN),  # listed: a hit
        twice,
        _reading(api, qs, "queue_length", 4, 3),
        (help_calls_topic(kdl), _body(api, id=str(uuid.uuid4()), kind="citizen")),
        twice,  # the same event twice in one batch: stored once
    ]
    outcomes = _router(api).handle_batch(batch)

    assert [o.status for o in outcomes] == ["applied"] * 8 + ["unchanged"]
    assert [o.channel for o in outcomes][:3] == ["telemetry", "plate_reads", "availability"]
    assert _count(api, PlateReadRecord) == 3
    assert _count(api, AuditEntry, AuditEntry.action == "plate_read.recorded") == 3
    assert _count(api, TelemetryReading) == 3
    assert _count(api, HelpCall) == 1
    with api.ctx.uow() as uow:
        hit = uow.session.execute(select(WatchListHit)).scalar_one()
        assert hit.plate_no == STOLEN
        states = {
            code: values
            for code, values in uow.session.execute(
                select(Booth.code, BoothState.values).join(Booth, Booth.id == BoothState.booth_id)
            )
        }
        assert states[kdl]["temperature_c"]["value"] == 51.0  # the later reading is current
        assert states[qs]["queue_length"]["value"] == 4
        faults = uow.session.execute(select(Alert.key).where(Alert.kind == "booth_fault")).scalars()
        assert [k.rsplit(":", 1)[1] for k in faults] == ["over_temperature"]


def test_a_redelivered_batch_writes_nothing_twice(api: Api, registry: Registry) -> None:
    batch = [
        _reading(api, registry.kdl, "door", "open", 1),
        _read(api, registry.kdl, "蒙BA1234"),
        _read(api, registry.qs, "蒙BC5678"),
    ]
    router = _router(api)
    first = router.handle_batch(batch)
    again = router.handle_batch(batch)  # the broker delivers the batch again (no PUBACK seen)
    assert [o.status for o in first] == ["applied"] * 3
    assert [o.status for o in again] == ["applied", "unchanged", "unchanged"]
    assert _count(api, PlateReadRecord) == 2
    assert _count(api, TelemetryReading) == 1  # the same reading again appends nothing


def test_a_refused_message_is_answered_alone_and_the_rest_commits(
    api: Api, registry: Registry
) -> None:
    batch = [
        _read(api, registry.kdl, "蒙BA1234"),
        _read(api, "BT-NOPE-001", "蒙BA9999"),  # no such booth: refused inside the batch
        (telemetry_topic(registry.kdl, "door"), b"{not json"),  # refused at decoding
        _read(api, registry.kdl, "ABCDEFG"),  # not a GA 36 plate: refused inside the batch
        _reading(api, registry.qs, "door", "closed", 2),
    ]
    outcomes = _router(api).handle_batch(batch)
    assert [(o.status, o.error) for o in outcomes] == [
        ("applied", None),
        ("rejected", "booths.not_found"),
        ("rejected", "booths.payload_invalid"),
        ("rejected", "vehicles.invalid_plate"),
        ("applied", None),
    ]
    assert _count(api, PlateReadRecord) == 1
    assert _count(api, TelemetryReading) == 1
