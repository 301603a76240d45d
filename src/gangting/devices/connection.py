"""Broker addresses and paho-mqtt clients, the same for the centre and the booth node.

MQTT 3.1.1 (both the embedded broker and Mosquitto speak it), persistent sessions
(``clean_session=False``) so QoS 1 messages wait at the broker while a side is away, and
automatic reconnection with backoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


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


def new_client(
    client_id: str,
    address: BrokerAddress,
    *,
    username: str | None,
    password: str | None,
    manual_ack: bool = False,
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
        client.tls_set()
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    # Unlimited local queue: QoS 1 messages published while disconnected go out on reconnect.
    client.max_queued_messages_set(0)
    return client
