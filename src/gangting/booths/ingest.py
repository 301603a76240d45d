"""The inbound router: one booth message in, one unit of work, one service call.

Works without a broker (tests hand it topic + bytes); the centre's MQTT link feeds it.
The topic names the booth (the broker's ACL lets a booth publish only under its own code),
the payload is decoded at the edge before any transaction opens, and a refusal (unknown
topic or booth, a disabled booth, a bad or foreign-version payload, a reply to another
booth's command) is logged with its named error and answered as ``rejected``: it is never
retried and never stops the consumer. Anything else (the database is down) propagates so
the caller can retry the same message.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from gangting.alerts.rules import FaultPolicy
from gangting.booths import commands, service
from gangting.booths.errors import BoothDisabled, BoothUnknown
from gangting.booths.models import Booth
from gangting.booths.payloads import (
    AvailabilityReport,
    CommandReply,
    HelpCallReport,
    StateReport,
    TelemetryReport,
    decode,
    decode_telemetry,
)
from gangting.booths.topics import Route, centre_filters, parse_topic
from gangting.kernel.actor import Actor
from gangting.kernel.errors import DomainError
from gangting.kernel.idempotency import find_answer, request_hash, store_answer
from gangting.kernel.unit_of_work import UnitOfWork

log = logging.getLogger("gangting.booths.ingest")

# A plate-read handler (the plate_reads domain) decodes its own payload and records it in
# the unit of work it is given; it returns whether anything changed.
PlateReadHandler = Callable[[UnitOfWork, Actor, bytes], bool]


@dataclass(frozen=True)
class Outcome:
    status: Literal["applied", "unchanged", "rejected"]
    channel: str | None = None
    error: str | None = None


class _Directory:
    """Booth code -> (id, enabled), remembered briefly: one query less per message. A
    booth disabled in the registry is refused within ``ttl_s``."""

    def __init__(self, ttl_s: float) -> None:
        self._ttl_s = ttl_s
        self._items: dict[str, tuple[float, uuid.UUID, bool]] = {}

    def actor(self, uow: UnitOfWork, code: str) -> Actor:
        item = self._items.get(code)
        if item is None or item[0] < time.monotonic():
            row = uow.session.execute(
                select(Booth.id, Booth.enabled).where(Booth.code == code)
            ).first()
            if row is None:
                raise BoothUnknown("没有该岗亭", data={"booth": code})
            if len(self._items) > 100_000:
                self._items.clear()
            item = (time.monotonic() + self._ttl_s, row[0], bool(row[1]))
            self._items[code] = item
        if not item[2]:
            raise BoothDisabled("该岗亭已停用", data={"booth": code})
        return Actor("booth", item[1], code)


class InboundRouter:
    def __init__(
        self,
        new_uow: Callable[[], UnitOfWork],
        *,
        plate_reads: PlateReadHandler | None = None,
        directory_ttl_s: float = 30.0,
        faults: FaultPolicy | None = None,
    ) -> None:
        self._new_uow = new_uow
        self._plate_reads = plate_reads
        self._faults = faults
        self._directory = _Directory(directory_ttl_s)

    def filters(self) -> list[str]:
        """The subscriptions this router can serve (plate reads only with a handler, so
        that no read is taken from the broker and dropped)."""
        return [f for f in centre_filters() if self._plate_reads or "plate-reads" not in f]

    def handle(self, topic: str, payload: bytes) -> Outcome:
        channel: str | None = None
        try:
            route = parse_topic(topic)
            channel = route.channel
            work = self._decode(route, payload)
            with self._new_uow() as uow:
                actor = self._directory.actor(uow, route.booth_code)
                changed = work(uow, actor)
            return Outcome("applied" if changed else "unchanged", channel)
        except DomainError as exc:
            log.warning("booth message refused: %s %s (topic %s)", exc.code, exc.data, topic)
            return Outcome("rejected", channel, exc.code)

    def _decode(self, route: Route, raw: bytes) -> Callable[[UnitOfWork, Actor], bool]:
        if route.channel == "telemetry":
            assert route.kind is not None
            kind = route.kind
            reading = decode_telemetry(kind, raw)
            return lambda uow, actor: _telemetry(uow, actor, kind, reading, self._faults)
        if route.channel == "availability":
            report = decode(AvailabilityReport, raw)
            return lambda uow, actor: service.record_availability(
                uow, actor, report.status, report.session, report.reason, self._faults
            )
        if route.channel == "state":
            state = decode(StateReport, raw)
            reported = state.model_dump(mode="json", exclude={"v", "at"})
            return lambda uow, actor: service.record_reported_state(
                uow, actor, reported, state.at, self._faults
            )
        if route.channel == "help_calls":
            call = decode(HelpCallReport, raw)
            return lambda uow, actor: _help_call(uow, actor, call)
        if route.channel == "ack":
            assert route.command_id is not None
            command_id = route.command_id
            reply = decode(CommandReply, raw)
            return lambda uow, actor: commands.record_reply(uow, actor, command_id, reply)
        handler = self._plate_reads
        if handler is None:
            raise BoothUnknown("中心未启用号牌识别记录接收", code="booths.channel_unhandled")
        return lambda uow, actor: handler(uow, actor, raw)


def _telemetry(
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    reading: TelemetryReport,
    faults: FaultPolicy | None = None,
) -> bool:
    assert actor.id is not None
    service.apply_telemetry(
        uow, actor.id, kind, reading.value, reading.at, skip_repeat=True, faults=faults
    )
    return True


def _help_call(uow: UnitOfWork, actor: Actor, call: HelpCallReport) -> bool:
    """Once per help-call id: a redelivered message finds its stored answer."""
    key = f"mqtt-help-call:{call.id}"
    req_hash = request_hash("MQTT", "help-calls", call.model_dump(mode="json"))
    if find_answer(uow.session, actor.scope, key, req_hash) is not None:
        return False
    body = service.call_help(uow, actor, call.kind, call.note, call.at)
    store_answer(uow.session, actor.scope, key, req_hash, 201, body, uow.clock.now())
    return True
