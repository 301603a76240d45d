"""The booth node's MQTT link to the centre: availability with a last will, telemetry,
state, help calls and plate reads out; the booth's own commands in, run by a callback,
acknowledged and answered.

- Connects with the booth's own broker account (username = client id = booth code; never
  the HTTP secret) and a persistent session, so commands queued while the booth was away
  arrive when it is back.
- Every connection has its own ``session`` id: "online" is published (retained) when it
  opens, and the broker publishes the retained "offline" will with the same id if it dies
  without a DISCONNECT. A clean ``stop()`` publishes "offline" itself.
- A command is acknowledged at once, run on a worker thread (never on the network
  thread), and answered ``succeeded`` or ``failed`` (with an error code). A command that
  arrives expired, of a kind this node does not know or with bad parameters fails without
  running. A redelivered command is not run again: its stored answer is sent again.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import paho.mqtt.client as mqtt

from gangting.booths.payloads import (
    AvailabilityReport,
    CommandMessage,
    CommandParams,
    CommandReply,
    HelpCallReport,
    RefusalNotice,
    Scalar,
    StateReport,
    TelemetryReport,
    check_telemetry_value,
    decode,
    encode,
    parse_params,
)
from gangting.booths.topics import (
    availability_topic,
    booth_command_filter,
    command_ack_topic,
    help_calls_topic,
    plate_reads_topic,
    refusals_topic,
    state_topic,
    telemetry_topic,
)
from gangting.devices.connection import BrokerAddress, ClientTls, new_client, watch_connection
from gangting.kernel.clock import Clock, SystemClock
from gangting.kernel.errors import DomainError

log = logging.getLogger("gangting.node.mqtt")


@dataclass(frozen=True)
class Command:
    """A command as the node's handler sees it: typed parameters, already checked."""

    id: uuid.UUID
    kind: str
    params: CommandParams
    expires_at: datetime
    issued_by: str


@dataclass(frozen=True)
class CommandResult:
    ok: bool
    error: str | None = None
    detail: str | None = None


CommandHandler = Callable[[Command], CommandResult]


class BoothLink:
    def __init__(
        self,
        booth_code: str,
        address: BrokerAddress,
        *,
        password: str | None,
        on_command: CommandHandler,
        clock: Clock | None = None,
        keepalive_s: int = 30,
        remember_replies: int = 256,
        tls: ClientTls | None = None,
    ) -> None:
        self.booth_code = booth_code
        self._address = address
        self._on_command = on_command
        self._clock: Clock = clock or SystemClock()
        self._keepalive_s = keepalive_s
        self._client = new_client(
            booth_code, address, username=booth_code, password=password, tls=tls
        )
        self._client.on_message = self._on_message
        self._commands: queue.Queue[CommandMessage | None] = queue.Queue()
        self._answered: OrderedDict[uuid.UUID, CommandReply] = OrderedDict()
        self._remember = remember_replies
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        self.session = ""
        self.connected = threading.Event()
        # The centre's refusals of this booth's messages (``…/refusals``), newest last.
        self.refusals: deque[RefusalNotice] = deque(maxlen=50)
        self.on_refusal: Callable[[RefusalNotice], None] | None = None
        watch_connection(
            self._client,
            self.connected,
            who=f"booth {booth_code}",
            logger=log,
            stopping=self._stopping.is_set,
            on_up=self._announce,
            after_up=self._connected_hook,
            on_down=self._arm_will,
        )

    # --- life cycle

    def start(self) -> None:
        self._stopping.clear()
        self._arm_will()  # a new session for every start, so a restart is a new connection
        self._worker = threading.Thread(
            target=self._run_commands, name=f"booth-link-{self.booth_code}", daemon=True
        )
        self._worker.start()
        self._client.connect_async(self._address.host, self._address.port, self._keepalive_s)
        self._client.loop_start()

    def wait_connected(self, timeout_s: float) -> bool:
        return self.connected.wait(timeout_s)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Clean shutdown: "offline" (reason shutdown), then DISCONNECT (no will)."""
        self._stopping.set()
        if self.connected.is_set():
            info = self._publish_availability("offline", "shutdown")
            info.wait_for_publish(timeout_s)
        self._client.disconnect()
        self._client.loop_stop()
        self._commands.put(None)
        if self._worker is not None:
            self._worker.join(timeout_s)
            self._worker = None

    def abort(self) -> None:
        """Drop the connection without DISCONNECT, as a crash or a cut cable would: the
        broker then publishes this connection's last will. For fault drills and tests."""
        self._stopping.set()
        self._client.loop_stop()
        sock = self._client.socket()
        if sock is not None:
            sock.close()
        self.connected.clear()
        self._commands.put(None)

    # --- what the booth reports

    def publish_telemetry(
        self, kind: str, value: Scalar, at: datetime | None = None
    ) -> mqtt.MQTTMessageInfo:
        check_telemetry_value(kind, value)
        report = TelemetryReport(at=at or self._clock.now(), value=value)
        return self._client.publish(telemetry_topic(self.booth_code, kind), encode(report), qos=1)

    def publish_state(self, report: StateReport) -> mqtt.MQTTMessageInfo:
        return self._client.publish(
            state_topic(self.booth_code), encode(report), qos=1, retain=True
        )

    def publish_help_call(
        self, kind: str = "assistance", note: str | None = None, call_id: uuid.UUID | None = None
    ) -> uuid.UUID:
        report = HelpCallReport(
            at=self._clock.now(), id=call_id or uuid.uuid4(), kind=kind, note=note
        )
        self._client.publish(help_calls_topic(self.booth_code), encode(report), qos=1)
        return report.id

    def publish_plate_read(self, payload: bytes) -> mqtt.MQTTMessageInfo:
        """A plate-read event, already encoded by the plate_reads domain's model."""
        return self._client.publish(plate_reads_topic(self.booth_code), payload, qos=1)

    # --- availability and the last will

    def _arm_will(self) -> None:
        """A new session id and the will that goes with it, for the next connection."""
        self.session = uuid.uuid4().hex[:16]
        will = AvailabilityReport(
            at=self._clock.now(), status="offline", session=self.session, reason="will"
        )
        self._client.will_set(availability_topic(self.booth_code), encode(will), qos=1, retain=True)

    def _publish_availability(self, status: str, reason: str) -> mqtt.MQTTMessageInfo:
        report = AvailabilityReport.model_validate(
            {"at": self._clock.now(), "status": status, "session": self.session, "reason": reason}
        )
        return self._client.publish(
            availability_topic(self.booth_code), encode(report), qos=1, retain=True
        )

    # --- paho callbacks (network thread)

    def _announce(self, client: mqtt.Client) -> None:
        """On every connection, before it counts as connected: online, then subscribe."""
        self._publish_availability("online", "connected")
        client.subscribe(
            [(booth_command_filter(self.booth_code), 1), (refusals_topic(self.booth_code), 1)]
        )

    def _connected_hook(self, client: mqtt.Client) -> None:
        """What to do once connected (after ``connected`` is set); nothing here."""

    def _on_message(self, _client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
        if msg.topic == refusals_topic(self.booth_code):
            self._refused(bytes(msg.payload))
            return
        try:
            command = decode(CommandMessage, bytes(msg.payload))
        except DomainError as exc:
            log.warning("command refused: %s (topic %s)", exc.code, msg.topic)
            return
        if not msg.topic.endswith(f"/commands/{command.id}"):
            log.warning("command id does not match its topic %s", msg.topic)
            return
        self._commands.put(command)

    def _refused(self, raw: bytes) -> None:
        """The centre did not store a message of ours: log it where the booth's staff look
        and keep it (``refusals``; ``on_refusal`` for the node to count it)."""
        try:
            notice = decode(RefusalNotice, raw)
        except DomainError as exc:
            log.warning("refusal notice unreadable: %s", exc.code)
            return
        log.warning(
            "the centre refused %s: %s %s %s",
            notice.topic,
            notice.error,
            notice.message,
            notice.data,
        )
        self.refusals.append(notice)
        if self.on_refusal is not None:
            self.on_refusal(notice)

    # --- commands (worker thread)

    def _run_commands(self) -> None:
        while True:
            message = self._commands.get()
            if message is None:
                return
            answered = self._answered.get(message.id)
            if answered is not None:
                self._reply(message.id, answered)
                continue
            self._reply(message.id, self._reply_for("acknowledged"))
            final = self._execute(message)
            self._answered[message.id] = final
            while len(self._answered) > self._remember:
                self._answered.popitem(last=False)
            self._reply(message.id, final)

    def _execute(self, message: CommandMessage) -> CommandReply:
        if self._clock.now() >= message.expires_at:
            return self._reply_for("failed", "booths.command_expired", "指令已过期，未执行")
        try:
            params = parse_params(message.kind, message.params)
        except DomainError as exc:
            return self._reply_for("failed", exc.code, exc.message)
        command = Command(message.id, message.kind, params, message.expires_at, message.issued_by)
        try:
            result = self._on_command(command)
        except DomainError as exc:
            return self._reply_for("failed", exc.code, exc.message)
        except Exception:
            log.exception("command %s (%s) failed", message.id, message.kind)
            return self._reply_for("failed", "booths.command_error", "执行指令时出错")
        if result.ok:
            return self._reply_for("succeeded", None, result.detail)
        return self._reply_for("failed", result.error or "booths.command_failed", result.detail)

    def _reply_for(
        self, status: str, error: str | None = None, detail: str | None = None
    ) -> CommandReply:
        return CommandReply.model_validate(
            {"at": self._clock.now(), "status": status, "error": error, "detail": detail}
        )

    def _reply(self, command_id: uuid.UUID, reply: CommandReply) -> None:
        self._client.publish(command_ack_topic(self.booth_code, command_id), encode(reply), qos=1)
