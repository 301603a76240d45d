"""Simulated booths and cameras (a subprocess of the benchmark): one paho client per booth,
the booth's own account and persistent session, QoS 1, publishing plate reads and telemetry
at the plan's rates from its start time on.

All the process's clients are driven by its one thread (``Network``: one select over their
sockets, paho's documented external loop), not a network thread per client: fifty threads
taking turns at one interpreter lock delayed a read's way out by tens of milliseconds, which
the benchmark would have counted against the centre. A real booth is a machine of its own.

    python -m bench.command_centre.publishers PLAN.json OUT.json

PLAN: ``url``, ``booths`` {code: password}, ``listed`` plates, ``hit_every`` (one read in so
many is of a listed plate), ``evidence_bytes``, ``start_at`` (epoch s), ``steps``
[{``reads``, ``telemetry`` (per second, this process's share), ``seconds``}]. Writes OUT:
per plate read [event_id, publish time, step, hit] and per step the telemetry count; then
waits until the broker has acknowledged everything.
"""

from __future__ import annotations

import base64
import json
import os
import select
import sys
import threading
import time
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from bench.command_centre.world import unlisted_plate
from gangting.booths.topics import plate_reads_topic, telemetry_topic
from gangting.devices.connection import BrokerAddress, new_client
from gangting.kernel.ids import new_id


class Acks:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def on_publish(
        self,
        _client: mqtt.Client,
        _userdata: object,
        _mid: int,
        _reason: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        with self.lock:
            self.count += 1


def read_body(code: str, plate: str, at: float, evidence: str, event_id: str) -> tuple[str, bytes]:
    seen = datetime.fromtimestamp(at, UTC)
    body = {
        "v": "1.0",
        "event_id": event_id,
        "booth": code,
        "camera": "lane-1",
        "plate": plate,
        "colour": "blue",
        "plate_type": "small",
        "confidence": 0.94,
        "char_confidences": [0.95] * len(plate),
        "frames": 5,
        "agreeing": 4,
        "first_seen_at": seen.isoformat(),
        "last_seen_at": (seen + timedelta(seconds=1)).isoformat(),
        "evidence_jpeg_b64": evidence,
    }
    return plate_reads_topic(code), json.dumps(body, ensure_ascii=False).encode()


class Network:
    """paho's external loop for many clients on one thread: read what arrived, write what is
    queued, keep-alives every second, and reconnect a client the broker dropped (the
    benchmark restarts it) at most once a second."""

    def __init__(self, clients: list[mqtt.Client]) -> None:
        self.clients = clients
        self._misc_at = 0.0
        self._retry_at: dict[int, float] = {}

    def pump(self, timeout_s: float = 0.0) -> None:
        socks = {}
        for n, client in enumerate(self.clients):
            sock = client.socket()
            if sock is None:
                self._reconnect(n, client)
            else:
                socks[sock] = client
        writable = [s for s, c in socks.items() if c.want_write()]
        with suppress(OSError, ValueError):
            ready, out, _ = select.select(list(socks), writable, [], timeout_s)
            for sock in ready:
                socks[sock].loop_read()
            for sock in out:
                socks[sock].loop_write()
        if time.monotonic() >= self._misc_at:
            self._misc_at = time.monotonic() + 1.0
            for client in self.clients:
                client.loop_misc()

    def _reconnect(self, n: int, client: mqtt.Client) -> None:
        if time.monotonic() < self._retry_at.get(n, 0.0):
            return
        self._retry_at[n] = time.monotonic() + 1.0
        with suppress(OSError):
            client.reconnect()


def connect_all(url: str, booths: dict[str, str], acks: Acks) -> list[tuple[str, mqtt.Client]]:
    address = BrokerAddress.parse(url)
    clients = []
    for code, password in booths.items():
        client = new_client(code, address, username=code, password=password)
        client.on_publish = acks.on_publish
        client.max_inflight_messages_set(100)
        client.connect(address.host, address.port)
        clients.append((code, client))
    return clients


def run(plan: dict[str, Any], out: Path) -> None:
    acks = Acks()
    clients = connect_all(plan["url"], plan["booths"], acks)
    network = Network([client for _code, client in clients])
    evidence = base64.b64encode(os.urandom(plan["evidence_bytes"] * 3 // 4)).decode()
    listed: list[str] = plan["listed"]
    hit_every: int = plan["hit_every"]
    reads: list[tuple[str, float, int, bool]] = []
    telemetry: list[int] = []
    seq = int.from_bytes(os.urandom(3), "big")  # read numbers differ between processes
    published = 0
    start = float(plan["start_at"])
    while time.time() < start:
        network.pump(0.01)
    for index, step in enumerate(plan["steps"]):
        end = start + step["seconds"]
        sent_reads = sent_tele = 0
        while (now := time.time()) < end:
            due_reads = int((now - start) * step["reads"]) - sent_reads
            due_tele = int((now - start) * step["telemetry"]) - sent_tele
            for _ in range(due_reads):
                seq += 1
                code, client = clients[(seq + seq // hit_every) % len(clients)]
                hit = seq % hit_every == 0
                plate = listed[(seq // hit_every) % len(listed)] if hit else unlisted_plate(seq)
                event_id = str(new_id())
                at = time.time()
                topic, payload = read_body(code, plate, at, evidence, event_id)
                client.publish(topic, payload, qos=1)
                reads.append((event_id, at, index, hit))
                sent_reads += 1
            for n in range(due_tele):
                code, client = clients[(sent_tele + n) % len(clients)]
                body = {"v": "1.0", "at": datetime.now(UTC).isoformat(), "value": 20 + n % 10}
                client.publish(telemetry_topic(code, "temperature_c"), json.dumps(body), qos=1)
            sent_tele += due_tele
            network.pump(0.002)
        telemetry.append(sent_tele)
        published += sent_reads + sent_tele
        start = end
    deadline = time.time() + 300
    while acks.count < published and time.time() < deadline:
        network.pump(0.1)
    out.write_text(
        json.dumps(
            {"reads": reads, "telemetry": telemetry, "acked": acks.count, "published": published}
        )
    )
    for _code, client in clients:
        client.disconnect()
    network.pump(0.1)


if __name__ == "__main__":
    run(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))
