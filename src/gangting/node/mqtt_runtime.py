"""The booth node on the broker (``GANGTING_NODE_MQTT_URL``): the ``BoothLink`` started
with the node, the outbox delivered over MQTT, the booth's telemetry and state reports.

Delivery of the outbox (plate reads, help calls, sensor telemetry):
- These rows stay in the node's durable outbox (written before anything is sent). One
  thread publishes them at QoS 1, oldest first, and marks a row done only when the broker
  has acknowledged it (PUBACK, seen through paho's ``on_publish``). The HTTP drainer leaves
  them alone (``Outbox.deliver_elsewhere``): one path per kind, never both.
- A row handed to paho stays with paho until acknowledged: through a dropped connection
  paho sends it again when it reconnects (its session is persistent), so it is not handed
  over twice. A node that dies before the acknowledgement sends the row again at its next
  start; the centre takes each plate-read event id and each help-call id once, so a
  repeat changes nothing. While the broker is away the rows simply wait in SQLite.
- Help calls carry the ``id`` the kiosk gave them (rows written before that: the id comes
  from the row's idempotency key): every resend of one row is the same help call, and so is
  a row that went by HTTP as well (after a restart without the broker, say).
- A row that can never become a valid message (a value out of range) is refused, as a
  definitive 4xx is on the HTTP path.

Reports (``gangting/v1/booths/{code}/…``, docs/decisions/0003):
- availability "online" (retained) on every connection, the last will "offline" (the link);
- ``state`` (retained): kiosk mode, adapters' health, watch-list version, software version,
  published on every connection and whenever one of them changes;
- telemetry: the sensors through the outbox on change (``KioskService.report_sensors``,
  sampled by the node's background loop and on the simulator's change), and from here
  ``queue_length``, ``card_reader`` and ``camera_<id>`` on change, and ``heartbeat``
  (uptime, s) every ``heartbeat_interval_s``; all of them again after every (re)connection
  (the sensors after a reconnection: at start the background loop sends them all).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from pydantic import ValidationError

from gangting import __version__
from gangting.booths.payloads import (
    HelpCallReport,
    Scalar,
    StateReport,
    TelemetryReport,
    check_telemetry_value,
    encode,
)
from gangting.booths.topics import help_calls_topic, plate_reads_topic, telemetry_topic
from gangting.devices.connection import BrokerAddress, ClientTls
from gangting.kernel.clock import Clock, SystemClock
from gangting.kernel.errors import DomainError
from gangting.node.commands import Adapters, CommandExecutor
from gangting.node.config import NodeSettings
from gangting.node.kiosk_mode import KioskMode
from gangting.node.mqtt_link import BoothLink, CommandHandler
from gangting.node.service import Hardware, KioskService
from gangting.node.watch_list import WatchListCopy

log = logging.getLogger("gangting.node.mqtt")

PLATE_READS_PATH = "/api/v1/booth/plate-reads"
HELP_CALLS_PATH = "/api/v1/help-calls"
TELEMETRY_PATH = "/api/v1/booths/telemetry"
MQTT_PATHS = (PLATE_READS_PATH, HELP_CALLS_PATH, TELEMETRY_PATH)

MAX_HANDED_OVER = 1000  # rows with paho at once (memory bound while the broker is slow)
BATCH = 200
_KIND_SAFE = re.compile(r"[^a-z0-9_]")
_WALL = SystemClock()


class NodeLink(BoothLink):
    """``BoothLink`` with what the runtime needs of the connection: which publishes the
    broker has acknowledged (message ids), and a signal on every (re)connection."""

    def __init__(
        self,
        *args: Any,
        on_event: Callable[[], None],
        on_connected: Callable[[], None],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._acked: deque[int] = deque()
        self._on_event = on_event
        self._on_connected = on_connected
        self.reconnected = threading.Event()
        self._client.on_publish = self._on_publish
        self._client.max_inflight_messages_set(100)

    def publish_message(self, topic: str, payload: bytes) -> mqtt.MQTTMessageInfo:
        return self._client.publish(topic, payload, qos=1)

    def take_acked(self) -> list[int]:
        taken: list[int] = []
        while self._acked:
            taken.append(self._acked.popleft())
        return taken

    def _connected_hook(self, client: mqtt.Client) -> None:
        super()._connected_hook(client)
        self.reconnected.set()
        self._on_event()
        self._on_connected()

    def _on_publish(
        self,
        _client: mqtt.Client,
        _userdata: object,
        mid: int,
        _reason_code: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        # Runs on the network thread holding paho's message lock: only note it, never wait.
        self._acked.append(mid)
        self._on_event()


def help_call_id(key: str) -> uuid.UUID:
    """The help call's id from its outbox key (``<code>:outbox:<hex>``): the same row is
    the same call however often it is sent."""
    try:
        return uuid.UUID(hex=key.rsplit(":", 1)[-1])
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, key)


def help_call_report(body: dict[str, Any], key: str) -> HelpCallReport:
    """The MQTT message of a help-call outbox row: the id the kiosk gave the call (the one
    its HTTP body carries too), else, for a row written before ids, one from its key."""
    return HelpCallReport.model_validate(
        {
            "at": body["at"],
            "id": body.get("id") or help_call_id(key),
            "kind": body.get("kind") or "assistance",
            "note": body.get("note"),
        }
    )


def camera_kind(camera_id: str) -> str:
    """``camera_<id>`` as a telemetry kind (lower case, letters, digits and _)."""
    return ("camera_" + _KIND_SAFE.sub("_", camera_id.lower()))[:32]


class MqttRuntime:
    def __init__(
        self,
        settings: NodeSettings,
        kiosk: KioskService,
        *,
        mode: KioskMode,
        watch_list: WatchListCopy,
        adapters: Adapters,
        on_command: CommandHandler,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self._kiosk = kiosk
        self._mode = mode
        self._watch_list = watch_list
        self._adapters = adapters
        self._clock: Clock = clock or SystemClock()
        self._code = settings.booth_code
        self._wake = threading.Event()
        self._poke = threading.Event()
        self.link = NodeLink(
            self._code,
            BrokerAddress.parse(settings.node_mqtt_url),
            password=settings.node_mqtt_password or None,
            tls=ClientTls(
                settings.node_mqtt_ca_file or None,
                settings.node_mqtt_cert_file or None,
                settings.node_mqtt_key_file or None,
            ),
            on_command=on_command,
            clock=self._clock,
            keepalive_s=settings.node_mqtt_keepalive_s,
            on_event=self._wake.set,
            on_connected=self._poke.set,
        )
        self._handed: dict[int, int] = {}  # paho message id -> outbox row id
        self._cursor = 0  # the highest row id handed to paho
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started_at = time.monotonic()
        self._last_state: tuple[Any, ...] | None = None
        self._last_status: dict[str, Scalar] = {}
        self.stats: Counter[str] = Counter()
        kiosk.outbox.deliver_elsewhere(MQTT_PATHS)
        kiosk.outbox.on_enqueue(self._wake.set)
        mode.on_change(self._poke.set)
        watch_list.on_change(self._poke.set)

    # --- life cycle

    def start(self) -> None:
        self._stopping.clear()
        self.link.start()
        for name, target in (("outbox", self._deliver_loop), ("reports", self._report_loop)):
            thread = threading.Thread(target=target, name=f"node-mqtt-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Let what paho holds be acknowledged (a short grace), then a clean goodbye:
        "offline", DISCONNECT. Rows still unacknowledged are sent at the next start."""
        deadline = time.monotonic() + min(3.0, timeout_s)
        while self._handed and self.link.connected.is_set() and time.monotonic() < deadline:
            self._wake.set()
            time.sleep(0.02)
        self._stopping.set()
        self._wake.set()
        self._poke.set()
        for thread in self._threads:
            thread.join(timeout_s)
        self._threads = []
        self.link.stop(timeout_s)
        self._settle()  # acknowledgements that came in up to the DISCONNECT

    @property
    def connected(self) -> bool:
        return self.link.connected.is_set()

    def handed_over(self) -> int:
        return len(self._handed)

    # --- the outbox over MQTT (one thread)

    def _deliver_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._settle()
                if self.link.connected.is_set():
                    self._hand_over()
            except Exception:  # the loop must outlive any one failure
                log.exception("outbox over MQTT")
            self._wake.wait(0.5 if self._handed else 2.0)
            self._wake.clear()

    def _settle(self) -> None:
        done = [self._handed.pop(mid) for mid in self.link.take_acked() if mid in self._handed]
        if done:
            self._kiosk.outbox.mark(done, "done")
            self.stats["delivered"] += len(done)

    def _hand_over(self) -> None:
        room = MAX_HANDED_OVER - len(self._handed)
        while room > 0 and self.link.connected.is_set() and not self._stopping.is_set():
            rows = self._kiosk.outbox.pending_for(
                MQTT_PATHS, after_id=self._cursor, limit=min(BATCH, room)
            )
            if not rows:
                return
            for row in rows:
                item_id = int(row["id"])
                try:
                    topic, payload = self._message(row["path"], row["body"], row["key"])
                except (DomainError, ValidationError, KeyError, TypeError, ValueError) as exc:
                    code = getattr(exc, "code", type(exc).__name__)
                    log.warning("outbox row %s cannot go over MQTT: %s", item_id, code)
                    self._kiosk.outbox.mark([item_id], "refused", str(code))
                    self._cursor = item_id
                    self.stats["refused"] += 1
                    continue
                info = self.link.publish_message(topic, payload)
                if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
                    return  # paho did not take it (its queue is full): this row next turn
                # NO_CONN too: paho keeps the message and sends it when it reconnects.
                self._handed[info.mid] = item_id
                self._cursor = item_id
                self.stats["published"] += 1
                room -= 1

    def _message(self, path: str, raw: str, key: str) -> tuple[str, bytes]:
        body: dict[str, Any] = json.loads(raw)
        if path == PLATE_READS_PATH:
            raw_event = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
            return plate_reads_topic(self._code), raw_event.encode()
        if path == HELP_CALLS_PATH:
            return help_calls_topic(self._code), encode(help_call_report(body, key))
        kind = str(body["kind"])
        value: Scalar = body["value"]
        check_telemetry_value(kind, value)
        reading = TelemetryReport.model_validate({"at": body["at"], "value": value})
        return telemetry_topic(self._code, kind), encode(reading)

    # --- state and status telemetry (one thread)

    def _report_loop(self) -> None:
        next_heartbeat = 0.0
        connections = 0
        tick = min(1.0, self.settings.heartbeat_interval_s)
        while not self._stopping.is_set():
            try:
                if self.link.connected.is_set():
                    force = self.link.reconnected.is_set()
                    self.link.reconnected.clear()
                    connections += force
                    if force and connections > 1:
                        # back after a break: every sensor again (at start the node's
                        # background loop reports them all itself)
                        self._kiosk.report_sensors(all_kinds=True)
                    self.publish_state(force=force)
                    self._publish_status(force=force)
                    if force or time.monotonic() >= next_heartbeat:
                        uptime = int(time.monotonic() - self._started_at)
                        self.link.publish_telemetry("heartbeat", uptime, at=self._clock.now())
                        next_heartbeat = time.monotonic() + self.settings.heartbeat_interval_s
            except Exception:  # the loop must outlive any one failure
                log.exception("node reports over MQTT")
            self._poke.wait(tick)
            self._poke.clear()

    def state_report(self) -> StateReport:
        version = self._watch_list.version
        return StateReport.model_validate(
            {
                "at": self._clock.now(),
                "kiosk": self._mode.kiosk_state,
                "adapters": self._adapters.health(),
                "watch_list_version": str(version) if version is not None else None,
                "software_version": __version__[:32],
            }
        )

    def publish_state(self, *, force: bool = False) -> bool:
        report = self.state_report()
        key = (report.kiosk, tuple(sorted(report.adapters.items())), report.watch_list_version)
        if not force and key == self._last_state:
            return False
        self.link.publish_state(report)
        self._last_state = key
        return True

    def _publish_status(self, *, force: bool) -> None:
        busy = self._kiosk.sessions.busy
        queue = self._kiosk.queue.status(_WALL.today(), busy)  # the kiosk's own day
        values: dict[str, Scalar] = {
            "queue_length": min(1000, int(queue.get("waiting", 0))),
            "card_reader": self._adapters.health().get("id_reader", "ok"),
        }
        for camera, status in self._adapters.camera_statuses().items():
            values[camera_kind(camera)] = status
        for kind, value in values.items():
            if force or self._last_status.get(kind) != value:
                self.link.publish_telemetry(kind, value, at=self._clock.now())
                self._last_status[kind] = value


def node_runtime(
    settings: NodeSettings,
    kiosk: KioskService,
    *,
    mode: KioskMode,
    watch_list: WatchListCopy,
    build_hardware: Callable[[], Hardware],
    cameras: Callable[[], list[dict[str, Any]]] | None = None,
    restart_cameras: Callable[[], int] | None = None,
    clock: Clock | None = None,
) -> MqttRuntime | None:
    """The node's runtime on the broker, or None when ``GANGTING_NODE_MQTT_URL`` is empty
    (HTTP only). ``build_hardware`` makes fresh adapters for the restart command."""
    if not settings.node_mqtt_url:
        return None
    adapters = Adapters(kiosk, build_hardware, cameras=cameras, restart_cameras=restart_cameras)
    return MqttRuntime(
        settings,
        kiosk,
        mode=mode,
        watch_list=watch_list,
        adapters=adapters,
        on_command=CommandExecutor(kiosk, mode, watch_list, adapters),
        clock=clock,
    )
