"""Per-flow measurement of the kiosk: screens, taps and time per kiosk API step.

    .venv/bin/python -m tests.node.kiosk.measure [--runs 20]

Runs every flow `--runs` times through the real screens (system Chromium, real booth node,
real centre on the seeded `tiny` SQLite; the database is put back to the seeded state
before each round so the personas are fresh). Each kiosk API call is timed in the browser
(performance.now(), node + centre + loopback) and, where the node sends Server-Timing, by
the node itself. Appends (or refreshes) the "Kiosk flows" section at the end of
docs/benchmarks.md."""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from gangting.kernel.clock import SystemClock
from tests.node.kiosk.flows import FLOWS, Kiosk
from tests.node.kiosk.stack import CHROMIUM_ARGS, ROOT, Rig

MARK = "## Kiosk flows (browser, booth node, centre)"
BENCH = ROOT / "docs" / "benchmarks.md"


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    if not s:
        return float("nan")
    i = min(len(s) - 1, max(0, round(q * (len(s) - 1))))
    return s[i]


def run(runs: int) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {
        f: {
            "screens": [],
            "to_receipt": [],
            "taps": [],
            "steps": defaultdict(list),
            "srv": defaultdict(list),
        }
        for f in FLOWS
    }
    with tempfile.TemporaryDirectory(prefix="kiosk-measure-") as tmp, sync_playwright() as p:
        rig = Rig(Path(tmp))
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS
        )
        try:
            for n in range(runs):
                node = rig.fresh()
                context = browser.new_context(viewport={"width": 1080, "height": 1920})
                k = Kiosk(context.new_page(), node.url)
                k.open()
                for name, flow in FLOWS.items():
                    before = k.metrics()
                    flow(k, rig.demo)
                    after = k.metrics()
                    screens = after["screens"][len(before["screens"]) :]
                    calls = after["calls"][len(before["calls"]) :]
                    r = result[name]
                    # screens the citizen sees, start screen excluded (it is the idle screen)
                    seen = [s for s in screens if s != "start"]
                    r["screens"].append(len(seen))
                    if "receipt" in seen:
                        r["to_receipt"].append(seen.index("receipt") + 1)
                    r["taps"].append(after["taps"] - before["taps"])
                    for c in calls:
                        r["steps"][c["step"]].append(c["ms"])
                        if c.get("server_ms") is not None:
                            r["srv"][c["step"]].append(c["server_ms"])
                context.close()
                print(f"round {n + 1}/{runs} done", flush=True)
        finally:
            browser.close()
            rig.close()
    return result


def report(result: dict[str, dict[str, Any]], runs: int) -> str:
    lines = [
        MARK,
        "",
        f"`.venv/bin/python -m tests.node.kiosk.measure --runs {runs}` "
        f"on {SystemClock().today().isoformat()}, "
        f"{platform.machine()} {platform.system()}, Python {platform.python_version()}: "
        "system Chromium (headless) -> `gangting booth` (simulated hardware) -> centre "
        "(uvicorn, 1 worker, SQLite `tiny` seed), all on one machine. Screens: those the "
        "citizen sees from 身份核验 to 完成 (the start screen not counted); 'to receipt' counts "
        "身份核验 … 凭证. Taps: every button the citizen presses from 开始办理 to 结束 "
        "(form fields typed into are not taps). Time per step: each kiosk API call timed in "
        "the browser (node + centre + loopback), p50/p99 over all runs"
        + (
            ", and the node's Server-Timing where it sends one."
            if any(r["srv"] for r in result.values())
            else "."
        ),
        "",
        "| flow | screens | to receipt | taps |",
        "|---|---|---|---|",
    ]
    for name, r in result.items():
        to_r = f"{statistics.median(r['to_receipt']):.0f}" if r["to_receipt"] else "-"
        lines.append(
            f"| {name} | {statistics.median(r['screens']):.0f} | {to_r} "
            f"| {statistics.median(r['taps']):.0f} |"
        )
    lines += [
        "",
        "| flow | step | n | browser p50 ms | browser p99 ms | node p50 ms | node p99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in result.items():
        for step, xs in r["steps"].items():
            srv = r["srv"].get(step, [])
            s50 = f"{pct(srv, 0.5):.1f}" if srv else "-"
            s99 = f"{pct(srv, 0.99):.1f}" if srv else "-"
            lines.append(
                f"| {name} | `{step}` | {len(xs)} | {pct(xs, 0.5):.1f} | {pct(xs, 0.99):.1f} "
                f"| {s50} | {s99} |"
            )
    lines.append("")
    return "\n".join(lines)


def write(section: str) -> None:
    text = BENCH.read_text(encoding="utf-8") if BENCH.exists() else "# Benchmarks\n"
    if MARK in text:
        head, _, rest = text.partition(MARK)
        nxt = rest.find("\n## ")
        tail = rest[nxt + 1 :] if nxt >= 0 else ""
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    BENCH.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    section = report(run(args.runs), args.runs)
    print(section)
    if not args.no_write:
        write(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
