"""How many telemetry messages per second the centre's MQTT consumer ingests (short run).

    .venv/bin/python -m bench.telemetry_ingest --messages 5000 --booths 20 \
        [--broker private|embedded] [--database-url postgresql+psycopg://…/empty_db]

A fresh database (a temporary SQLite file unless --database-url names an empty one),
``--booths`` registered booths with broker accounts, a broker configured as we deploy it
(``private``: a Mosquitto of its own on a free port from the generated password, ACL and
configuration files; ``embedded``: amqtt with the same password file), the centre's link
(one worker, one unit of work per message, PUBACK after commit) and one publishing client
per booth, all QoS 1. The booths publish as fast as the broker takes it; the clock runs
from the first publish to the moment the last reading is committed. Prints messages/s for
publishing and ingest, and the centre's stats (nothing may be refused or lost).

Not the machine's Mosquitto on 1883: its default ``max_queued_messages`` (1000) drops
QoS 1 messages for a subscriber that falls behind.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.broker_setup import CENTRE, CENTRE_PASSWORD, broker_files, free_port, register_booths
from gangting.booths.models import TelemetryReading
from gangting.booths.topics import telemetry_topic
from gangting.devices.centre_link import CentreLink
from gangting.devices.connection import BrokerAddress, new_client
from gangting.devices.embedded_broker import EmbeddedBroker, wait_for_port
from gangting.devices.ingest import InboundRouter
from gangting.kernel.clock import SystemClock
from gangting.kernel.db import make_engine
from gangting.kernel.unit_of_work import UnitOfWork, session_factory
from gangting.migrate import upgrade


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--booths", type=int, default=20)
    parser.add_argument("--broker", choices=["private", "embedded"], default="private")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=1, help="centre ingest threads")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="gangting-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    clock = SystemClock()

    def new_uow() -> UnitOfWork:
        return UnitOfWork(sessions, clock)

    codes = [f"BT-BENCH-{n:03d}" for n in range(args.booths)]
    passwords = register_booths(new_uow, codes)

    port = free_port()
    files = broker_files(new_uow, tmp / "broker", port)
    broker_proc: subprocess.Popen[bytes] | None = None
    embedded: EmbeddedBroker | None = None
    if args.broker == "private":
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        broker_proc = subprocess.Popen([binary, "-c", str(files.conf_file)])
        assert wait_for_port("127.0.0.1", port, 10), "mosquitto did not start"
    else:
        embedded = EmbeddedBroker("127.0.0.1", port, password_file=files.password_file)
        embedded.start()
    address = BrokerAddress("127.0.0.1", port)

    link = CentreLink(
        InboundRouter(new_uow),
        new_uow,
        address,
        username=CENTRE,
        password=CENTRE_PASSWORD,
        workers=args.workers,
    )
    link.start()
    assert link.wait_connected(10)

    per_booth = args.messages // len(codes)
    total = per_booth * len(codes)
    t0 = SystemClock().now() - timedelta(seconds=per_booth)
    clients = []
    for code in codes:
        client = new_client(code, address, username=code, password=passwords[code])
        client.connect(address.host, address.port)
        client.loop_start()
        clients.append(client)

    def publish(index: int) -> None:
        client, code = clients[index], codes[index]
        topic = telemetry_topic(code, "temperature_c")
        infos = []
        for n in range(per_booth):
            at = (t0 + timedelta(seconds=n)).isoformat()
            body = json.dumps({"v": "1.0", "at": at, "value": 20 + n % 10}).encode()
            infos.append(client.publish(topic, body, qos=1))
        for info in infos:
            info.wait_for_publish(60)

    def count() -> int:
        with new_uow() as uow:
            return int(
                uow.session.execute(select(func.count()).select_from(TelemetryReading)).scalar_one()
            )

    started = time.perf_counter()
    threads = [threading.Thread(target=publish, args=(i,)) for i in range(len(codes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    published = time.perf_counter() - started
    got, last_progress = 0, time.monotonic()
    while got < total and time.monotonic() - last_progress < 15:
        time.sleep(0.2)
        now_got = count()
        if now_got > got:
            got, last_progress = now_got, time.monotonic()
    ingested = time.perf_counter() - started
    link.stop()
    for client in clients:
        client.disconnect()
        client.loop_stop()
    if broker_proc is not None:
        broker_proc.terminate()
        broker_proc.wait(10)
    if embedded is not None:
        embedded.stop()
    engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"{engine.url.get_backend_name()}, {args.broker} broker, {len(codes)} booths, "
        f"{args.workers} ingest workers, "
        f"{total} telemetry messages at QoS 1\n"
        f"published in {published:.2f} s ({total / published:.0f} msg/s)\n"
        f"ingested {got}/{total} in {ingested:.2f} s ({got / ingested:.0f} msg/s)\n"
        f"centre stats {dict(link.stats)}"
    )


if __name__ == "__main__":
    main()
