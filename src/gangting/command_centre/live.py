"""Publishing live events (docs/decisions/0005-live-events.md): the port other domains call.

``publish_live_after_commit(uow, kind, data, org_path=…)`` queues an event that goes out
only once the unit of work has committed (dropped on rollback); ``publish_live`` sends at
once, for code that runs after its commit already. Neither ever raises into the business
request: with no sink installed (a job, a test) or a broker that is away, the event is
dropped, logged once in a while and counted in ``stats``.

The sink is installed once per process at start-up (``install_sink``; the MQTT one is
``live_bus.MqttLivePublisher``). No MQTT library here, so every layer may import this.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from gangting.command_centre.live_rules import LIVE_KINDS, LiveEvent, Role
from gangting.kernel.clock import SystemClock
from gangting.kernel.ids import new_id
from gangting.kernel.unit_of_work import UnitOfWork

log = logging.getLogger("gangting.command_centre.live")
_WALL = SystemClock()


class LiveSink(Protocol):
    def publish(self, event: LiveEvent) -> bool:
        """Hand the event on; False when it was dropped (never raises)."""
        ...

    @property
    def accepting(self) -> bool:
        """Whether an event handed on now would probably reach the broker."""
        ...


_lock = threading.Lock()
_sinks: list[LiveSink] = []
stats: Counter[str] = Counter()
_last_warning = [0.0]


def install_sink(sink: LiveSink) -> Callable[[], None]:
    """Make ``sink`` the process's live sink (the latest installed wins); returns the
    function that removes it again."""
    with _lock:
        _sinks.append(sink)

    def remove() -> None:
        with _lock:
            if sink in _sinks:
                _sinks.remove(sink)

    return remove


def current_sink() -> LiveSink | None:
    with _lock:
        return _sinks[-1] if _sinks else None


def accepting() -> bool:
    """Whether a published event would go anywhere now (lets producers skip building
    views nobody will receive)."""
    sink = current_sink()
    return sink is not None and sink.accepting


def _warn(message: str, *args: object) -> None:
    now = time.monotonic()
    if now - _last_warning[0] > 30:
        _last_warning[0] = now
        log.warning(message, *args)


def make_event(
    kind: str,
    data: Mapping[str, Any],
    *,
    org_path: str | None,
    booth: str | None = None,
    min_role: Role = "officer",
    audience: tuple[str, ...] = (),
) -> LiveEvent:
    if kind not in LIVE_KINDS:
        raise ValueError(f"unknown live event kind {kind!r}")
    return LiveEvent(
        id=new_id(),
        kind=kind,
        at=_WALL.now().isoformat(),
        org_path=org_path,
        booth=booth,
        min_role=min_role,
        data=dict(data),
        audience=audience,
    )


def publish_live(
    kind: str,
    data: Mapping[str, Any],
    *,
    org_path: str | None,
    booth: str | None = None,
    min_role: Role = "officer",
    audience: tuple[str, ...] = (),
) -> LiveEvent | None:
    """Publish one live event now; the event, or None when it was dropped. Call it only
    after the change it describes has committed (or use ``publish_live_after_commit``)."""
    try:
        event = make_event(
            kind, data, org_path=org_path, booth=booth, min_role=min_role, audience=audience
        )
    except Exception:
        stats["invalid"] += 1
        log.exception("live event %s not made", kind)
        return None
    sink = current_sink()
    if sink is None:
        stats["no_sink"] += 1
        return None
    try:
        sent = sink.publish(event)
    except Exception:
        sent = False
        log.exception("live sink failed")
    if not sent:
        stats["dropped"] += 1
        _warn(
            "live event dropped (broker unreachable?): %s; %d dropped so far",
            kind,
            stats["dropped"],
        )
        return None
    stats["published"] += 1
    return event


def publish_live_after_commit(
    uow: UnitOfWork,
    kind: str,
    data: Mapping[str, Any],
    *,
    org_path: str | None,
    booth: str | None = None,
    min_role: Role = "officer",
) -> None:
    """Queue a live event on the unit of work: published after it commits, never on
    rollback. ``data`` is copied now (a view of the state this unit of work leaves)."""
    snapshot = dict(data)

    def hook() -> None:
        publish_live(kind, snapshot, org_path=org_path, booth=booth, min_role=min_role)

    uow.after_commit(hook)
