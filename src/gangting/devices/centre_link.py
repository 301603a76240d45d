"""The centre's MQTT link: ingest of everything booths publish, and dispatch of commands.

- Ingest: the network thread only queues each message; worker threads take what has
  queued up and what arrives within ``linger_s`` of the first (at most ``max_batch``),
  hand it to the inbound router as one unit of work (``InboundRouter.handle_batch``: one
  commit for the batch) and acknowledge every message to the broker *after* the commit
  (manual PUBACK). A busy link commits hundreds of messages together instead of falling
  behind; the linger bounds the wait a quiet one adds. Messages of one booth always go to
  the same worker, so a booth's messages are applied in the order the broker delivered
  them (plate reads apart, see ``handle_batch``); a second worker computes while the
  first waits for its commit. A message the router refuses is acknowledged and logged; a
  failure of the database is retried with backoff and the message stays unacknowledged,
  so a centre that dies meanwhile gets it again from its persistent session.
- Refusals: the booth whose message was refused is told on its ``…/refusals`` topic
  (``RefusalNotice``: topic, error code, zh-CN message; QoS 1): a booth publishing at QoS 1
  has its PUBACK from the broker and would otherwise never learn that the centre did not
  store the message (a clock outside the window, a payload naming another booth…). At most
  one notice per booth and error code every ``refusal_notice_every_s``; the rest are only
  counted (``stats["refusal_notices_suppressed"]``), so a booth in a loop cannot make the
  centre flood it.
- Dispatch: every ``dispatch_interval_s`` (or at once after ``wake()``), expired commands
  are swept and queued ones published at QoS 1; a command is marked ``sent`` when the broker
  has taken it. A crash in between sends it again; the booth recognises the id.
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable

import paho.mqtt.client as mqtt

from gangting.booths import commands
from gangting.booths.payloads import RefusalNotice, encode
from gangting.booths.topics import command_topic, parse_topic, refusals_topic
from gangting.devices.connection import BrokerAddress, new_client, watch_connection
from gangting.devices.ingest import InboundRouter, Outcome
from gangting.kernel.errors import DomainError
from gangting.kernel.unit_of_work import UnitOfWork

log = logging.getLogger("gangting.devices.centre")


class CentreLink:
    def __init__(
        self,
        router: InboundRouter,
        new_uow: Callable[[], UnitOfWork],
        address: BrokerAddress,
        *,
        username: str,
        password: str | None,
        client_id: str | None = None,
        keepalive_s: int = 30,
        dispatch_interval_s: float = 0.5,
        publish_timeout_s: float = 5.0,
        workers: int = 1,
        max_batch: int = 500,
        linger_s: float = 0.0,
        refusal_notice_every_s: float = 10.0,
    ) -> None:
        self.router = router
        self._clock = new_uow().clock
        self._notice_every_s = refusal_notice_every_s
        self._noticed: dict[tuple[str, str], float] = {}
        self._new_uow = new_uow
        self._address = address
        self._keepalive_s = keepalive_s
        self._dispatch_interval_s = dispatch_interval_s
        self._publish_timeout_s = publish_timeout_s
        self._max_batch = max(1, max_batch)
        self._linger_s = max(0.0, linger_s)
        self._client = new_client(
            client_id or username, address, username=username, password=password, manual_ack=True
        )
        self._client.on_message = self._on_message
        self._inboxes: list[queue.Queue[mqtt.MQTTMessage | None]] = [
            queue.Queue() for _ in range(max(1, workers))
        ]
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self.connected = threading.Event()
        self.stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        watch_connection(
            self._client,
            self.connected,
            who="the centre",
            logger=log,
            stopping=self._stop.is_set,
            on_up=self._subscribe,
            after_up=self._log_connected,
        )

    # --- life cycle

    def start(self) -> None:
        self._client.connect_async(self._address.host, self._address.port, self._keepalive_s)
        self._client.loop_start()
        for n, inbox in enumerate(self._inboxes):
            self._spawn(f"ingest-{n}", functools.partial(self._work, inbox))
        self._spawn("dispatch", self._dispatch_loop)

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=f"centre-link-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        for inbox in self._inboxes:
            inbox.put(None)
        for thread in self._threads:
            thread.join(timeout_s)
        self._threads = []
        self._client.disconnect()
        self._client.loop_stop()

    def wait_connected(self, timeout_s: float) -> bool:
        return self.connected.wait(timeout_s)

    def wake(self) -> None:
        """Dispatch now (e.g. right after a command was queued) instead of at the next tick."""
        self._wake.set()

    def backlog(self) -> int:
        return sum(inbox.qsize() for inbox in self._inboxes)

    # --- paho callbacks (network thread)

    def _subscribe(self, client: mqtt.Client) -> None:
        client.subscribe([(f, 1) for f in self.router.filters()])

    def _log_connected(self, _client: mqtt.Client) -> None:
        log.info("centre connected to %s", self._address.url)

    def _on_message(self, _client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
        # gangting/v1/booths/{code}/…: one booth, one worker (zlib.crc32 is stable across runs).
        booth = msg.topic.split("/", 4)[3] if msg.topic.count("/") >= 3 else msg.topic
        self._inboxes[zlib.crc32(booth.encode()) % len(self._inboxes)].put(msg)

    # --- ingest (worker thread)

    def _work(self, inbox: queue.Queue[mqtt.MQTTMessage | None]) -> None:
        while True:
            msg = inbox.get()
            if msg is None:
                return
            batch, stopping = self._gather(inbox, [msg])
            if self._process(batch):
                for done in batch:
                    self._client.ack(done.mid, done.qos)
            if stopping:
                return

    def _gather(
        self, inbox: queue.Queue[mqtt.MQTTMessage | None], batch: list[mqtt.MQTTMessage]
    ) -> tuple[list[mqtt.MQTTMessage], bool]:
        """More messages for the batch: what has queued up, and what arrives within the
        linger after the first one, up to ``max_batch``; True once the link is stopping."""
        deadline = time.monotonic() + self._linger_s
        while len(batch) < self._max_batch:
            left = deadline - time.monotonic()
            try:
                more = inbox.get(timeout=left) if left > 0 else inbox.get_nowait()
            except queue.Empty:
                break
            if more is None:
                return batch, True
            batch.append(more)
        return batch, False

    def _process(self, batch: list[mqtt.MQTTMessage]) -> bool:
        """Hand a batch of messages to the router (one unit of work); True once they are
        settled (applied, unchanged or refused), False if the link stops before the
        database took them."""
        delay_s = 0.2
        messages = [(m.topic, bytes(m.payload)) for m in batch]
        while True:
            try:
                outcomes = self.router.handle_batch(messages)
            except Exception:
                self._count("retried")
                log.exception(
                    "ingest failed, retrying %d message(s) in %.1f s", len(messages), delay_s
                )
                if self._stop.wait(delay_s):
                    return False
                delay_s = min(delay_s * 2, 10.0)
                continue
            with self._stats_lock:
                self.stats.update(o.status for o in outcomes)
                self.stats["batches"] += 1
            for (topic, _), outcome in zip(messages, outcomes, strict=True):
                if outcome.status == "rejected":
                    self._tell_refused(topic, outcome)
            return True

    def _tell_refused(self, topic: str, outcome: Outcome) -> None:
        """Publish a refusal notice to the booth the topic names (throttled, see above)."""
        try:
            code = parse_topic(topic).booth_code
        except DomainError:
            return  # not a booth's topic: nobody to tell
        key, now = (code, outcome.error or ""), time.monotonic()
        with self._stats_lock:
            last = self._noticed.get(key)
            if last is not None and now - last < self._notice_every_s:
                self.stats["refusal_notices_suppressed"] += 1
                return
            if len(self._noticed) > 100_000:
                self._noticed.clear()
            self._noticed[key] = now
            self.stats["refusal_notices"] += 1
        notice = RefusalNotice(
            at=self._clock.now(),
            topic=topic[:200],
            error=(outcome.error or "booths.refused")[:64],
            message=(outcome.message or "中心未接收该消息")[:500],
            data=outcome.data or {},
        )
        self._client.publish(refusals_topic(code), encode(notice), qos=1)

    def _count(self, key: str, n: int = 1) -> None:
        with self._stats_lock:
            self.stats[key] += n

    # --- commands out (dispatch thread)

    def _dispatch_loop(self) -> None:
        while not self._stop.is_set():
            self.dispatch_once()
            self._wake.wait(self._dispatch_interval_s)
            self._wake.clear()

    def dispatch_once(self) -> int:
        """Sweep expired commands, publish queued ones; returns how many were sent."""
        sent = 0
        try:
            with self._new_uow() as uow:
                self._count("expired", commands.expire_commands(uow))
            if not self.connected.is_set():
                return 0
            with self._new_uow() as uow:
                due = commands.due_for_dispatch(uow)
            for code, message in due:
                info = self._client.publish(command_topic(code, message.id), encode(message), qos=1)
                info.wait_for_publish(self._publish_timeout_s)
                if not info.is_published():
                    break
                with self._new_uow() as uow:
                    commands.mark_sent(uow, message.id)
                sent += 1
        except Exception:
            log.exception("command dispatch failed; next tick retries")
        self._count("sent", sent)
        return sent
