"""Mosquitto's own throughput with plain clients (a subprocess of the benchmark): one paho
publisher and one paho subscriber, QoS 1 both ways, the payload size of a plate read, on the
same private broker; messages/s from the first publish to the last message received.

    python -m bench.command_centre.ceiling URL USERNAME PASSWORD MESSAGES SIZE
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from gangting.devices.connection import BrokerAddress

TOPIC = "gangting/v1/bench/ceiling"


def plain(address: BrokerAddress, username: str, password: str, role: str) -> mqtt.Client:
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"{username}-ceiling-{role}-{os.getpid()}",
        clean_session=True,
        protocol=mqtt.MQTTv311,
    )
    client.username_pw_set(username, password)
    client.max_inflight_messages_set(100)
    client.max_queued_messages_set(0)
    client.connect(address.host, address.port)
    client.loop_start()
    return client


def measure(url: str, username: str, password: str, messages: int, size: int) -> dict[str, float]:
    address = BrokerAddress.parse(url)
    got = 0
    done = threading.Event()
    subscribed = threading.Event()

    def on_message(_c: mqtt.Client, _u: object, _m: mqtt.MQTTMessage) -> None:
        nonlocal got
        got += 1
        if got >= messages:
            done.set()

    sub = plain(address, username, password, "sub")
    sub.on_message = on_message
    sub.on_subscribe = lambda *_args: subscribed.set()
    sub.subscribe(TOPIC, qos=1)
    subscribed.wait(10)
    pub = plain(address, username, password, "pub")
    payload = os.urandom(size)
    started = time.perf_counter()
    for _ in range(messages):
        pub.publish(TOPIC, payload, qos=1)
    done.wait(120)
    seconds = time.perf_counter() - started
    for client in (pub, sub):
        client.disconnect()
        client.loop_stop()
    return {"messages": messages, "received": got, "seconds": seconds, "per_s": got / seconds}


if __name__ == "__main__":
    url, username, password, messages, size = sys.argv[1:6]
    print(json.dumps(measure(url, username, password, int(messages), int(size))))
