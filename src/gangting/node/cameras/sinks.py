"""Where plate-read events go. A sink takes an event and must not block the camera for
long; the default keeps it in the node's durable outbox, replayed to the centre (issue 5
adds an MQTT sink beside it)."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from gangting.node.outbox import Outbox
from gangting.plate_reads.schemas import PlateReadEvent

log = logging.getLogger("gangting.node.cameras")

CENTRE_PATH = "/api/v1/booth/plate-reads"


class PlateReadSink(Protocol):
    def emit(self, event: PlateReadEvent) -> None: ...


class OutboxSink:
    """Store-and-forward to the centre: the event waits in the node's SQLite outbox until
    the centre takes it (the centre stores each event id once, so a replay is harmless)."""

    def __init__(self, outbox: Outbox, path: str = CENTRE_PATH) -> None:
        self._outbox = outbox
        self._path = path

    def emit(self, event: PlateReadEvent) -> None:
        self._outbox.enqueue(self._path, event.model_dump(mode="json"))


class MemorySink:
    """Keeps the events in memory (tests, tools)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[PlateReadEvent] = []

    def emit(self, event: PlateReadEvent) -> None:
        with self._lock:
            self._events.append(event)

    @property
    def events(self) -> list[PlateReadEvent]:
        with self._lock:
            return list(self._events)


class FanOut:
    """Several sinks; one failing does not keep the event from the others."""

    def __init__(self, *sinks: PlateReadSink) -> None:
        self._sinks = sinks

    def emit(self, event: PlateReadEvent) -> None:
        for sink in self._sinks:
            try:
                sink.emit(event)
            except Exception:
                log.exception("plate-read sink %s failed", type(sink).__name__)
