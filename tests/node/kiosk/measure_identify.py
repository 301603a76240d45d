"""Where the identify step's time goes, stage by stage, through a real booth node.

    .venv/bin/python -m tests.node.kiosk.measure_identify [--runs 10]

Starts a centre (seeded `tiny` SQLite) and a node with simulated hardware (tests/node/kiosk/stack),
then runs the kiosk's identify calls over HTTP as the screen does: session, card
(/identify/start), look (/identify/look), turn (/identify/turn where the node has it) and
the decision (/identify: liveness, face vs chip photo, the centre's identity check), then
the overview the services screen loads. Prints p50 and max per call (client side) and the
node's own stage timings (``timings_ms`` of the /identify answer, where the node sends
it). The first run is reported apart: it is the one a citizen meets right after the node
started. ``--camera`` gives the node a
simulated plate camera at 2 frames a second, as `gangting up` does for its demo booths.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

from tests.node.kiosk.stack import Rig


def run(runs: int, camera: bool) -> tuple[dict[str, list[float]], list[dict[str, float]]]:
    calls: dict[str, list[float]] = defaultdict(list)
    stages: list[dict[str, float]] = []
    if camera:  # the node subprocess inherits the environment
        os.environ["GANGTING_CAMERAS"] = json.dumps([{"id": "cam1", "source": "sim", "fps": 2}])
    with tempfile.TemporaryDirectory(prefix="kiosk-identify-") as tmp:
        rig = Rig(Path(tmp))
        try:
            node = rig.fresh()
            with httpx.Client(base_url=node.url + "/kiosk/api", timeout=60) as c:
                has_turn = "/kiosk/api/identify/turn" in httpx.get(node.url + "/openapi.json").text
                for _ in range(runs):
                    c.post("/sim/id-card", json={"persona": "renewal"}).raise_for_status()
                    c.post("/sim/face", json={"scene": "genuine"}).raise_for_status()
                    c.post("/session", json={}).raise_for_status()
                    steps = ["start", "look", *(["turn"] if has_turn else []), ""]
                    total = 0.0
                    for step in [*steps, "overview"]:
                        t0 = time.perf_counter()
                        if step == "overview":
                            r = c.get("/overview")
                        else:
                            r = c.post(f"/identify/{step}".rstrip("/"), json={})
                        ms = (time.perf_counter() - t0) * 1000
                        r.raise_for_status()
                        if step == "":
                            stages.append(r.json().get("timings_ms", {}))
                        calls[step or "identify"].append(ms)
                        total += ms
                    calls["total"].append(total)
                    c.post("/finish", json={})
        finally:
            rig.close()
    return calls, stages


def report(calls: dict[str, list[float]], stages: list[dict[str, float]]) -> str:
    lines = ["| call | first ms | p50 ms (rest) | max ms (rest) |", "|---|---|---|---|"]
    for name, xs in calls.items():
        rest = xs[1:] or xs
        lines.append(f"| {name} | {xs[0]:.0f} | {statistics.median(rest):.0f} | {max(rest):.0f} |")
    if any(stages):
        keys = list(dict.fromkeys(k for s in stages for k in s))
        lines += ["", "| node stage | first ms | p50 ms (rest) |", "|---|---|---|"]
        for k in keys:
            xs = [s[k] for s in stages if k in s]
            rest = xs[1:] or xs
            lines.append(f"| {k} | {xs[0]:.0f} | {statistics.median(rest):.0f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--camera", action="store_true")
    args = parser.parse_args()
    print(report(*run(args.runs, args.camera)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
