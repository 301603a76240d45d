"""Starting live events in a process (docs/decisions/0005-live-events.md).

- Every centre process that changes what the screen shows (each web worker, the MQTT
  ingest, a sweep run as a job) runs ``start_live_publishing``: the MQTT publisher as the
  live sink and the change feed.
- Each web worker also runs a ``LiveHub`` (its browsers' streams): ``install_command_centre``
  adds the screen's routes and starts both with the app, ends the streams when uvicorn is
  told to stop (else it would wait for them), and stops both with the app.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from fastapi import FastAPI

from gangting.alerts.rules import FaultPolicy
from gangting.command_centre import live
from gangting.command_centre.changes import ChangeFeed, install_feed
from gangting.command_centre.live_bus import LiveHub, MqttLivePublisher
from gangting.command_centre.views import ScreenPolicy
from gangting.config import Settings
from gangting.context import Context
from gangting.devices.connection import BrokerAddress

log = logging.getLogger("gangting.command_centre")


def screen_policy(settings: Settings) -> ScreenPolicy:
    return ScreenPolicy(
        stale_after_s=settings.booth_stale_after_s,
        faults=FaultPolicy(max_temperature_c=settings.booth_max_temperature_c),
    )


@dataclass
class LivePublishing:
    """A process's live publisher and change feed; ``stop`` undoes ``start_live_publishing``."""

    publisher: MqttLivePublisher
    feed: ChangeFeed
    _undo: list[Callable[[], None]] = field(default_factory=list)

    def stop(self) -> None:
        while self._undo:
            self._undo.pop()()
        self.feed.stop()
        self.publisher.stop()


def start_live_publishing(settings: Settings, *, client_id: str | None = None) -> LivePublishing:
    """Connect a live publisher to GANGTING_LIVE_MQTT_URL or GANGTING_MQTT_URL (in the
    background: a broker that is away only means dropped events) and publish committed
    changes through it."""
    publisher = MqttLivePublisher(
        BrokerAddress.parse(settings.live_mqtt_url or settings.mqtt_url),
        username=settings.mqtt_username,
        password=settings.mqtt_password or None,
        topic_prefix=settings.live_topic_prefix,
        client_id=client_id,
    )
    publisher.start()
    feed = ChangeFeed(screen_policy(settings))
    feed.start()
    running = LivePublishing(publisher, feed)
    running._undo.append(live.install_sink(publisher))
    running._undo.append(install_feed(feed))
    return running


def start_live_hub(settings: Settings, loop: asyncio.AbstractEventLoop) -> LiveHub:
    hub = LiveHub(
        BrokerAddress.parse(settings.live_mqtt_url or settings.mqtt_url),
        username=settings.mqtt_username,
        password=settings.mqtt_password or None,
        topic_prefix=settings.live_topic_prefix,
        buffer_size=settings.live_replay_size,
    )
    hub.start(loop)
    return hub


def _end_streams_on_exit(hub: LiveHub) -> Callable[[], None]:
    """uvicorn waits for open responses before it stops; live streams never end by
    themselves, so a stop signal ends them first (then uvicorn's own handler runs)."""
    installed: dict[int, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        hub.close_streams()
        previous = installed.get(signum)
        if callable(previous):
            previous(signum, frame)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            installed[sig] = signal.getsignal(sig)
            signal.signal(sig, handler)
        except ValueError:  # not the main thread (a test client): nothing to chain
            installed.pop(sig, None)

    def restore() -> None:
        for sig, previous in installed.items():
            try:
                if signal.getsignal(sig) is handler:
                    signal.signal(sig, previous)
            except ValueError:
                pass

    return restore


def install_command_centre(app: FastAPI, ctx: Context) -> None:
    """The screen's pages and API, and live events with the app's life cycle."""
    from gangting.command_centre.pages import router as pages_router
    from gangting.command_centre.routes import booth_router, router

    app.include_router(router)
    app.include_router(booth_router)
    app.include_router(pages_router)
    app.state.live_hub = None
    app.state.screen_policy = screen_policy(ctx.settings)
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[Any]:
        publishing: LivePublishing | None = None
        hub: LiveHub | None = None
        restore: Callable[[], None] | None = None
        if ctx.settings.live_events:
            publishing = start_live_publishing(ctx.settings)
            hub = start_live_hub(ctx.settings, asyncio.get_running_loop())
            restore = _end_streams_on_exit(hub)
            a.state.live_hub = hub
        try:
            inner: AbstractAsyncContextManager[Any] = previous(a)
            async with inner as state:
                yield state
        finally:
            a.state.live_hub = None
            if restore is not None:
                restore()
            if hub is not None:
                hub.stop()
            if publishing is not None:
                publishing.stop()

    app.router.lifespan_context = lifespan
