"""Real booth nodes on the broker (a subprocess of the benchmark): the node app as
``gangting booth --mqtt`` builds it (its durable SQLite outbox, the MQTT runtime that marks a
row done on PUBACK), without the kiosk's HTTP server and background loop. Its cameras'
sink gets plate reads and its kiosk help calls while the broker and the centre's worker
are restarted.

    python -m bench.command_centre.nodes PLAN.json OUT.json

PLAN: ``url``, ``nodes`` {code: password}, ``var_dir``, ``start_at``, ``seconds``,
``reads`` (per second, all nodes), ``help_every_s`` (per node), ``listed``, ``hit_every``.
OUT: the event ids read, help calls per booth, and what the outboxes still held at the end.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from bench.command_centre.world import unlisted_plate
from gangting.kernel.ids import new_id
from gangting.node.app import create_node_app
from gangting.node.config import NodeSettings
from gangting.node.service import KioskService
from gangting.node.watch_list import HintingOutboxSink
from gangting.plate_reads.schemas import PlateReadEvent


def plate_event(code: str, plate: str, at: datetime) -> PlateReadEvent:
    return PlateReadEvent.model_validate(
        {
            "booth": code,
            "event_id": str(new_id()),
            "camera": "lane-1",
            "plate": plate,
            "colour": "blue",
            "plate_type": "small",
            "confidence": 0.93,
            "char_confidences": [0.95] * len(plate),
            "frames": 4,
            "agreeing": 4,
            "first_seen_at": at,
            "last_seen_at": at + timedelta(seconds=1),
        }
    )


def run(plan: dict[str, Any], out: Path) -> None:
    clients: list[tuple[str, TestClient]] = []
    for code, password in plan["nodes"].items():
        settings = NodeSettings(
            booth_code=code,
            centre_url="http://127.0.0.1:9",  # everything here goes over the broker
            var_dir=Path(plan["var_dir"]) / code,
            demo_credentials=Path(plan["var_dir"]) / "none.txt",
            node_mqtt_url=plan["url"],
            node_mqtt_password=password,
        )
        client = TestClient(create_node_app(settings, background=False))
        client.__enter__()
        clients.append((code, client))
    reads: list[tuple[str, float]] = []
    helps = dict.fromkeys(plan["nodes"], 0)
    listed: list[str] = plan["listed"]
    start = float(plan["start_at"])
    end = start + float(plan["seconds"])
    next_help = start
    n = 0
    while time.time() < start:
        time.sleep(0.01)
    while (now := time.time()) < end:
        for _ in range(int((now - start) * plan["reads"]) - n):
            n += 1
            code, client = clients[n % len(clients)]
            hit = n % plan["hit_every"] == 0
            plate = listed[n % len(listed)] if hit else unlisted_plate(n * 7 + 3)
            event = plate_event(code, plate, datetime.fromtimestamp(time.time(), UTC))
            sink: HintingOutboxSink = client.app.state.plate_reads  # type: ignore[attr-defined]
            sink.emit(event)
            reads.append((str(event.event_id), time.time()))
        if now >= next_help:
            for code, client in clients:
                kiosk: KioskService = client.app.state.kiosk  # type: ignore[attr-defined]
                kiosk.call_help("assistance", "压测求助")
                helps[code] += 1
            next_help += plan["help_every_s"]
        time.sleep(0.01)

    def pending() -> int:
        return sum(c.app.state.kiosk.outbox.pending() for _, c in clients)  # type: ignore[attr-defined]

    deadline = time.time() + 120
    while pending() and time.time() < deadline:
        time.sleep(0.2)
    left = pending()
    for _code, client in clients:
        client.__exit__(None, None, None)
    out.write_text(json.dumps({"reads": reads, "help_calls": helps, "pending_left": left}))


if __name__ == "__main__":
    run(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))
