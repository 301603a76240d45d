"""The inbound router: one booth message in, one unit of work, one service call.

Works without a broker (tests hand it topic + bytes); the centre's MQTT link feeds it.
Many messages may share one unit of work (``handle_batch``): one commit for a batch
instead of one per message, which is what lets the centre keep up with thousands of
readings a second. A refusal inside a batch rolls the batch back and the batch is applied
again one message per unit of work, so a refused message never takes others with it.

The topic names the booth (the broker's ACL lets a booth publish only under its own code),
the payload is decoded at the edge before any transaction opens, and a refusal (unknown
topic or booth, a disabled booth, a bad or foreign-version payload, a reply to another
booth's command) is logged with its named error and answered as ``rejected``: it is never
retried and never stops the consumer. Anything else (the database is down) propagates so
the caller can retry the same message.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from sqlalchemy import select

from gangting.alerts.rules import FaultPolicy
from gangting.booths import commands, service
from gangting.booths.clock import ClockWindow, check_booth_report
from gangting.booths.errors import BoothDisabled, BoothUnknown
from gangting.booths.models import Booth
from gangting.booths.payloads import (
    AvailabilityReport,
    CommandReply,
    HelpCallReport,
    Payload,
    StateReport,
    TelemetryReport,
    decode,
    decode_telemetry,
)
from gangting.booths.topics import Route, centre_filters, parse_topic
from gangting.desks import booth_reports
from gangting.kernel.actor import Actor
from gangting.kernel.clock import Clock
from gangting.kernel.errors import DomainError
from gangting.kernel.idempotency import find_answer, request_hash, store_answer
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.plate_reads.schemas import PlateReadEvent

log = logging.getLogger("gangting.devices.ingest")


class PlateReadHandler(Protocol):
    """The plate_reads domain's side of the ingest: it decodes its own payload (at the
    edge, before any transaction; a refusal is a ``DomainError``) and records decoded
    reads, many at once, in the unit of work it is given; for each read, whether it was new."""

    def decode(self, raw: bytes) -> object: ...

    def record(self, uow: UnitOfWork, reads: Sequence[tuple[Actor, object]]) -> list[bool]: ...


@dataclass(frozen=True)
class Outcome:
    status: Literal["applied", "unchanged", "rejected"]
    channel: str | None = None
    error: str | None = None
    # A refusal's zh-CN message and data (told to the booth: CentreLink's refusal notice).
    message: str | None = None
    data: dict[str, Any] | None = None


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
        clock_window: ClockWindow | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._new_uow = new_uow
        self._plate_reads = plate_reads
        self._faults = faults
        self._directory = _Directory(directory_ttl_s)
        self._window = clock_window or ClockWindow()
        # The units of work's clock (the centre's time; a fixed one in tests and the demo).
        self._clock = clock or new_uow().clock
        self._refused_lock = threading.Lock()
        # (booth code or "", error code) -> how many messages were refused since start.
        self.refused: Counter[tuple[str, str]] = Counter()

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
            return self._refused(exc, topic, channel)

    def handle_batch(self, messages: Sequence[tuple[str, bytes]]) -> list[Outcome]:
        """Apply ``messages`` in one unit of work; the outcomes in the same order.

        Availability, state, help calls and command replies are applied one by one in the
        order given; then the telemetry readings of the batch (in their order, each booth's
        fault alerts following the state the batch leaves) and the plate reads (independent
        of a booth's state) are recorded together, in a few statements whatever their number.
        Messages refused at decoding are answered without touching the batch. When applying
        one is refused (an unknown booth, a reply to another booth's command…) the whole
        unit of work rolls back and every message is applied on its own (``handle``), so
        the others still commit and only the refused one is answered ``rejected``. Anything
        else propagates with nothing committed: the caller retries the batch."""
        outcomes: list[Outcome | None] = [None] * len(messages)
        works: list[tuple[int, Route, Callable[[UnitOfWork, Actor], bool]]] = []
        readings: list[tuple[int, Route, TelemetryReport]] = []
        reads: list[tuple[int, Route, object]] = []
        for n, (topic, payload) in enumerate(messages):
            route: Route | None = None
            try:
                route = parse_topic(topic)
                if route.channel == "plate_reads":
                    read = self._plate_read_handler().decode(payload)
                    self._admit(route, read)
                    reads.append((n, route, read))
                elif route.channel == "telemetry":
                    assert route.kind is not None
                    reading = decode_telemetry(route.kind, payload)
                    self._admit(route, reading)
                    readings.append((n, route, reading))
                else:
                    works.append((n, route, self._decode(route, payload)))
            except DomainError as exc:
                outcomes[n] = self._refused(exc, topic, route.channel if route else None)
        if not works and not readings and not reads:
            return [o for o in outcomes if o is not None]
        try:
            with self._new_uow() as uow:
                for n, route, work in works:
                    changed = work(uow, self._directory.actor(uow, route.booth_code))
                    outcomes[n] = Outcome("applied" if changed else "unchanged", route.channel)
                if readings:
                    self._apply_readings(uow, readings)
                    for n, route, _ in readings:
                        outcomes[n] = Outcome("applied", route.channel)
                if reads:
                    actors = [self._directory.actor(uow, r.booth_code) for _, r, _ in reads]
                    recorded = self._plate_read_handler().record(
                        uow, [(a, read) for a, (_, _, read) in zip(actors, reads, strict=True)]
                    )
                    for (n, route, _), new in zip(reads, recorded, strict=True):
                        outcomes[n] = Outcome("applied" if new else "unchanged", route.channel)
        except DomainError:
            for n in sorted(n for group in (works, readings, reads) for n, _, _ in group):
                outcomes[n] = self.handle(*messages[n])
        return [o for o in outcomes if o is not None]

    def _apply_readings(
        self, uow: UnitOfWork, readings: Sequence[tuple[int, Route, TelemetryReport]]
    ) -> None:
        batch = []
        for _, route, reading in readings:
            actor = self._directory.actor(uow, route.booth_code)
            assert actor.id is not None and route.kind is not None
            batch.append(service.Reading(actor.id, route.kind, reading.value, reading.at))
        booth_reports.apply_telemetry_many(uow, batch, skip_repeat=True, faults=self._faults)

    def _refused(self, exc: DomainError, topic: str, channel: str | None) -> Outcome:
        log.warning("booth message refused: %s %s (topic %s)", exc.code, exc.data, topic)
        try:
            booth = parse_topic(topic).booth_code
        except DomainError:
            booth = ""
        with self._refused_lock:
            self.refused[(booth, exc.code)] += 1
        return Outcome("rejected", channel, exc.code, exc.message, dict(exc.data))

    def _admit(self, route: Route, decoded: object) -> None:
        """The checks HTTP applies too (``desks.booth_reports.check_booth_report``): the
        payload names no booth but the topic's, and its times lie in the clock window
        (the retained state and availability: the future bound only, their time orders them
        and a last will carries the time its connection opened). Before any transaction."""
        sender, now = route.booth_code, self._clock.now()
        if isinstance(decoded, PlateReadEvent):
            times = [
                ("first_seen_at", decoded.first_seen_at),
                ("last_seen_at", decoded.last_seen_at),
            ]
            check_booth_report(sender, decoded.booth, times, now, self._window)
        elif isinstance(decoded, Payload):
            window = self._window
            if route.channel in ("state", "availability"):
                window = window.future_only()
            check_booth_report(sender, decoded.booth, [("at", decoded.at)], now, window)

    def _decode(self, route: Route, raw: bytes) -> Callable[[UnitOfWork, Actor], bool]:
        if route.channel == "telemetry":
            assert route.kind is not None
            kind = route.kind
            reading = decode_telemetry(kind, raw)
            self._admit(route, reading)
            return lambda uow, actor: _telemetry(uow, actor, kind, reading, self._faults)
        if route.channel == "availability":
            report = decode(AvailabilityReport, raw)
            self._admit(route, report)
            return lambda uow, actor: booth_reports.record_availability(
                uow, actor, report.status, report.session, report.reason, self._faults
            )
        if route.channel == "state":
            state = decode(StateReport, raw)
            self._admit(route, state)
            reported = state.model_dump(mode="json", exclude={"v", "at"})
            return lambda uow, actor: booth_reports.record_reported_state(
                uow, actor, reported, state.at, self._faults
            )
        if route.channel == "help_calls":
            call = decode(HelpCallReport, raw)
            self._admit(route, call)
            return lambda uow, actor: _help_call(uow, actor, call)
        if route.channel == "ack":
            assert route.command_id is not None
            command_id = route.command_id
            reply = decode(CommandReply, raw)
            self._admit(route, reply)
            return lambda uow, actor: commands.record_reply(uow, actor, command_id, reply)
        handler = self._plate_read_handler()
        read = handler.decode(raw)
        self._admit(route, read)
        return lambda uow, actor: handler.record(uow, [(actor, read)])[0]

    def _plate_read_handler(self) -> PlateReadHandler:
        if self._plate_reads is None:
            raise BoothUnknown("中心未启用号牌识别记录接收", code="booths.channel_unhandled")
        return self._plate_reads


def _telemetry(
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    reading: TelemetryReport,
    faults: FaultPolicy | None = None,
) -> bool:
    assert actor.id is not None
    booth_reports.apply_telemetry(
        uow, actor.id, kind, reading.value, reading.at, skip_repeat=True, faults=faults
    )
    return True


def _help_call(uow: UnitOfWork, actor: Actor, call: HelpCallReport) -> bool:
    """Once per help-call id: a redelivered message finds its stored answer."""
    key = f"mqtt-help-call:{call.id}"
    req_hash = request_hash("MQTT", "help-calls", call.model_dump(mode="json"))
    if find_answer(uow.session, actor.scope, key, req_hash) is not None:
        return False
    body = booth_reports.call_help(uow, actor, call.kind, call.note, call.at, call.id)
    store_answer(uow.session, actor.scope, key, req_hash, 201, body, uow.clock.now())
    return True
