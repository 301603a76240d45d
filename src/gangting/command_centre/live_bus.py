"""Live events over the broker (docs/decisions/0005-live-events.md): the publisher every
centre process installs as its live sink, and the hub each web worker runs to feed its
browsers' streams.

Both are plain paho clients on the centre's broker account with a client id of their own
per process and a clean session: nothing is kept at the broker for them (a worker that
restarts starts with an empty buffer and tells browsers to reload). Publishing is QoS 1
and never blocks the caller: while the broker is away an event is dropped and counted, the
business request goes on.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from gangting.command_centre.live_rules import (
    LiveEvent,
    LiveEventInvalid,
    Replay,
    ReplayBuffer,
    decode_event,
    encode_event,
    topic_filter,
    topic_for,
)
from gangting.devices.connection import BrokerAddress, watch_connection

log = logging.getLogger("gangting.command_centre.live_bus")

# Events a publisher may have in flight towards the broker before it drops new ones.
MAX_QUEUED = 10_000


def live_client_id(username: str, role: str) -> str:
    """``gangting-centre-live-pub-<pid>-<random>``: unique per process and start."""
    return f"{username}-live-{role}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def _client(
    address: BrokerAddress, client_id: str, username: str, password: str | None
) -> mqtt.Client:
    """Like ``devices.connection.new_client`` but with a clean session and a bounded queue:
    these clients are per process and per start, so the broker keeps nothing for them."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=True,
        protocol=mqtt.MQTTv311,
    )
    if username:
        client.username_pw_set(username, password or None)
    if address.tls:
        client.tls_set()
    client.reconnect_delay_set(min_delay=1, max_delay=10)
    client.max_queued_messages_set(MAX_QUEUED)
    client.max_inflight_messages_set(1000)
    return client


def _close(client: mqtt.Client, connected: bool) -> None:
    """Disconnect and stop the network thread. A client still trying to reach the broker
    sleeps up to a second between attempts: let its thread end on its own rather than make
    the server (or a test) wait for it at shutdown."""
    client.disconnect()
    if connected:
        client.loop_stop()
    else:
        threading.Thread(target=client.loop_stop, name="live-mqtt-stop", daemon=True).start()


class _Connected:
    """The connect/disconnect bookkeeping both clients share."""

    def __init__(self, name: str, address: BrokerAddress) -> None:
        self.name = name
        self.address = address
        self.connected = threading.Event()
        self.stats: Counter[str] = Counter()
        self._stopping = False

    def watch(self, client: mqtt.Client) -> None:
        """Install the connect/disconnect callbacks on this side's client."""
        watch_connection(
            client,
            self.connected,
            who=f"the live {self.name}",
            logger=log,
            stopping=lambda: self._stopping,
            on_up=lambda _client: self._count("connects"),
            after_up=self.connected_hook,
            on_down=lambda: self._count("disconnects"),
        )

    def _count(self, what: str) -> None:
        self.stats[what] += 1

    def connected_hook(self, client: mqtt.Client) -> None:
        """What to do on every (re)connection."""


class MqttLivePublisher(_Connected):
    """The live sink of a centre process (``live.install_sink``)."""

    def __init__(
        self,
        address: BrokerAddress,
        *,
        username: str,
        password: str | None,
        topic_prefix: str,
        client_id: str | None = None,
    ) -> None:
        super().__init__("publisher", address)
        self.topic_prefix = topic_prefix
        self._client = _client(
            address, client_id or live_client_id(username, "pub"), username, password
        )
        self.watch(self._client)

    @property
    def accepting(self) -> bool:
        return self.connected.is_set()

    def start(self) -> None:
        self._client.connect_async(self.address.host, self.address.port, 30)
        self._client.loop_start()

    def wait_connected(self, timeout_s: float) -> bool:
        return self.connected.wait(timeout_s)

    def stop(self) -> None:
        self._stopping = True
        _close(self._client, self.connected.is_set())

    def publish(self, event: LiveEvent) -> bool:
        if not self.connected.is_set():
            self.stats["dropped_offline"] += 1
            return False
        try:
            info = self._client.publish(
                topic_for(self.topic_prefix, event.kind), encode_event(event), qos=1
            )
        except (ValueError, RuntimeError):
            self.stats["dropped_error"] += 1
            return False
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            self.stats["dropped_queue"] += 1
            return False
        self.stats["published"] += 1
        return True


@dataclass(eq=False)
class Subscription:
    """One browser stream: a bounded queue filled on the worker's event loop. A stream
    that falls ``maxsize`` events behind is marked ``overflowed`` and ended; the browser
    reconnects and catches up from the buffer or its snapshot."""

    maxsize: int = 1000
    queue: asyncio.Queue[LiveEvent] = field(init=False)
    overflowed: bool = False

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.maxsize)


Waiter = tuple[Callable[[LiveEvent], bool], asyncio.Future[LiveEvent]]


class LiveHub(_Connected):
    """A web worker's subscriber: every live event from the broker goes into the replay
    buffer and to each open stream of this worker (and wakes long-polls waiting on it)."""

    def __init__(
        self,
        address: BrokerAddress,
        *,
        username: str,
        password: str | None,
        topic_prefix: str,
        buffer_size: int = 2000,
        client_id: str | None = None,
    ) -> None:
        super().__init__("hub", address)
        self.topic_prefix = topic_prefix
        self._buffer = ReplayBuffer(buffer_size, started_ms=int(time.time() * 1000))
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscriptions: set[Subscription] = set()
        self._waiters: list[Waiter] = []
        self.closing = asyncio.Event()
        self._client = _client(
            address, client_id or live_client_id(username, "sub"), username, password
        )
        self._subscribed = threading.Event()
        self.watch(self._client)
        self._client.on_message = self._on_message
        self._client.on_subscribe = lambda *_args: self._subscribed.set()

    def connected_hook(self, client: mqtt.Client) -> None:
        self._subscribed.clear()
        client.subscribe(topic_filter(self.topic_prefix), qos=1)

    # --- life cycle (on the worker's event loop)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.closing = asyncio.Event()
        self._client.connect_async(self.address.host, self.address.port, 30)
        self._client.loop_start()

    def wait_connected(self, timeout_s: float) -> bool:
        """Connected and subscribed (the broker acknowledged the subscription): from then on
        every event published reaches this hub."""
        deadline = time.monotonic() + timeout_s
        return self.connected.wait(timeout_s) and self._subscribed.wait(
            max(0.0, deadline - time.monotonic())
        )

    def close_streams(self) -> None:
        """End every open stream (the server is shutting down)."""
        if self._loop is None:
            return
        self._loop.call_soon_threadsafe(self.closing.set)

    def stop(self) -> None:
        self._stopping = True
        self.close_streams()
        _close(self._client, self.connected.is_set())

    # --- streams

    def subscribe(self, maxsize: int = 1000) -> Subscription:
        sub = Subscription(maxsize)
        self._subscriptions.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscriptions.discard(sub)

    @property
    def streams(self) -> int:
        return len(self._subscriptions)

    def replay(self, last_id: uuid.UUID | None) -> Replay:
        with self._lock:
            return self._buffer.since(last_id)

    def expect(self, predicate: Callable[[LiveEvent], bool]) -> asyncio.Future[LiveEvent]:
        """A future resolved by the next event that satisfies ``predicate``: register it
        before reading the state, so an event between the read and the wait is not missed.
        Call ``forget`` when done with it."""
        future: asyncio.Future[LiveEvent] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        return future

    def forget(self, future: asyncio.Future[LiveEvent]) -> None:
        self._waiters = [w for w in self._waiters if w[1] is not future]
        if not future.done():
            future.cancel()

    async def wait_for(
        self, predicate: Callable[[LiveEvent], bool], timeout_s: float
    ) -> LiveEvent | None:
        """The next event that satisfies ``predicate`` within ``timeout_s``, else None."""
        future = self.expect(predicate)
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout_s)
        except TimeoutError:
            return None
        finally:
            self.forget(future)

    # --- from the broker (network thread) to the loop

    def _on_message(self, _client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
        try:
            event = decode_event(bytes(msg.payload))
        except LiveEventInvalid as exc:
            self.stats["invalid"] += 1
            log.warning("live message refused: %s (topic %s)", exc, msg.topic)
            return
        self.stats["received"] += 1
        with self._lock:
            self._buffer.append(event)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._deliver, event)
            except RuntimeError:  # the loop closed meanwhile
                pass

    def _deliver(self, event: LiveEvent) -> None:
        for sub in tuple(self._subscriptions):
            if sub.overflowed:
                continue
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:
                sub.overflowed = True
                self.stats["overflowed"] += 1
        for predicate, future in tuple(self._waiters):
            if not future.done():
                try:
                    matched = predicate(event)
                except Exception:
                    matched = False
                if matched:
                    future.set_result(event)
