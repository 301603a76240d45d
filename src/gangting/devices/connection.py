"""Broker addresses and paho-mqtt clients, the same for the centre and the booth node.

MQTT 3.1.1 (both the embedded broker and Mosquitto speak it), persistent sessions
(``clean_session=False``) so QoS 1 messages wait at the broker while a side is away, and
automatic reconnection with backoff.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool = False

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        """``mqtt://host:1883`` or ``mqtts://host:8883`` (``tcp://`` / ``ssl://`` too)."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl") or not parts.hostname:
            raise ValueError(f"not an MQTT broker URL: {url!r}")
        tls = parts.scheme in ("mqtts", "ssl")
        return cls(parts.hostname, parts.port or (8883 if tls else 1883), tls)

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


@dataclass(frozen=True)
class ClientTls:
    """A TLS client's files: the CA that issued the broker's certificate (None: the system's
    trust store) and the client's own certificate and key (a booth's, whose common name is
    its code: docs/decisions/0016)."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None


def new_client(
    client_id: str,
    address: BrokerAddress,
    *,
    username: str | None,
    password: str | None,
    manual_ack: bool = False,
    tls: ClientTls | None = None,
) -> mqtt.Client:
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=False,
        protocol=mqtt.MQTTv311,
        manual_ack=manual_ack,
    )
    if username:
        client.username_pw_set(username, password or None)
    if address.tls:
        files = tls or ClientTls()
        client.tls_set(ca_certs=files.ca_file, certfile=files.cert_file, keyfile=files.key_file)
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    # Unlimited local queue: QoS 1 messages published while disconnected go out on reconnect.
    client.max_queued_messages_set(0)
    return client


def _nothing(_client: mqtt.Client) -> None:
    """No step to take."""


def watch_connection(
    client: mqtt.Client,
    connected: threading.Event,
    *,
    who: str,
    logger: logging.Logger,
    stopping: Callable[[], bool],
    on_up: Callable[[mqtt.Client], None] = _nothing,
    after_up: Callable[[mqtt.Client], None] = _nothing,
    on_down: Callable[[], None] | None = None,
) -> None:
    """Install the paho connect/disconnect callbacks every long-lived client shares.

    On a connection the broker accepts: ``on_up`` (subscribe, announce), then ``connected``
    is set, then ``after_up``; a refused one is logged and changes nothing. On a lost
    connection ``connected`` is cleared and, unless the side is ``stopping``, the loss is
    logged and ``on_down`` runs (paho reconnects by itself)."""

    def on_connect(
        client: mqtt.Client,
        _userdata: object,
        _flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            logger.error("broker refused %s: %s", who, reason_code)
            return
        on_up(client)
        connected.set()
        after_up(client)

    def on_disconnect(
        _client: mqtt.Client,
        _userdata: object,
        _flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        connected.clear()
        if not stopping():
            logger.warning("%s lost the broker (%s); reconnecting", who, reason_code)
            if on_down is not None:
                on_down()

    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
