"""The run: world, broker, ceiling, centre, load steps, restart phase, loss check, report."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.broker_setup import (
    CENTRE,
    CENTRE_PASSWORD,
    PrivateMosquitto,
    broker_files,
    free_port,
)
from bench.command_centre.centre import (
    CentreProcess,
    Sampler,
    postgres_pids,
    wait_server,
    wait_worker_connected,
)
from bench.command_centre.feed import LiveFeed
from bench.command_centre.world import ADMIN, ADMIN_PASSWORD, World, build_world
from bench.machine import cpu_model
from gangting.booths.models import Booth, HelpCall, TelemetryReading
from gangting.devices.embedded_broker import wait_for_port
from gangting.plate_reads.models import PlateReadRecord
from gangting.watchlists.models import WatchListHit

ROOT = Path(__file__).resolve().parents[2]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.command_centre")
    p.add_argument("--database-url", required=True, help="PostgreSQL; dropped and created")
    p.add_argument("--steps", default="250,500,1000,2000", help="plate reads/s per step")
    p.add_argument("--step-s", type=float, default=20.0)
    p.add_argument("--telemetry-ratio", type=float, default=0.5, help="telemetry per read")
    p.add_argument("--booths", type=int, default=100, help="simulated booths")
    p.add_argument("--publishers", type=int, default=2, help="publisher processes")
    p.add_argument("--hit-every", type=int, default=100, help="one read in N is listed")
    p.add_argument("--listed", type=int, default=50, help="plates on the watch-list")
    p.add_argument("--evidence-bytes", type=int, default=2000, help="evidence crop size")
    p.add_argument("--nodes", type=int, default=4, help="real booth nodes (restart phase)")
    p.add_argument("--restart-s", type=float, default=30.0, help="restart phase length")
    p.add_argument(
        "--warmup-s",
        type=float,
        default=5.0,
        help="seconds at the first rate before the first step (caches, prepared statements, "
        "connections; shown apart, not a step)",
    )
    p.add_argument("--restart-reads", type=float, default=100.0, help="simulated reads/s then")
    p.add_argument("--node-reads", type=float, default=20.0, help="node reads/s, all nodes")
    p.add_argument("--help-every-s", type=float, default=2.0, help="help call per node")
    p.add_argument("--kinds", default="", help="live kinds to stream (default: all)")
    p.add_argument("--ceiling-messages", type=int, default=20000)
    p.add_argument("--json", default="bench/results/command_centre.json")
    return p.parse_args()


@dataclass
class Counts:
    """Plate reads stored, sampled every second (ingest rate and backlog)."""

    world: World
    samples: list[tuple[float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def now(self) -> int:
        with self.world.new_uow() as uow:
            q = select(func.count()).select_from(PlateReadRecord)
            return int(uow.session.execute(q).scalar_one())

    def start(self) -> None:
        def run() -> None:
            while not self._stop.wait(1.0):
                try:
                    self.samples.append((time.time(), self.now()))
                except Exception:  # the database restarting is not the bench's end
                    continue

        self.samples.append((time.time(), self.now()))
        threading.Thread(target=run, name="counts", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def at(self, t: float) -> tuple[float, int]:
        """The last sample taken by ``t``."""
        before = [s for s in self.samples if s[0] <= t]
        return before[-1] if before else self.samples[0]

    def after(self, t: float) -> tuple[float, int]:
        """The first sample taken from ``t`` on."""
        return next((s for s in self.samples if s[0] >= t), self.samples[-1])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def spawn(module: str, plan: dict[str, Any], tmp: Path, name: str) -> subprocess.Popen[bytes]:
    (tmp / f"{name}.plan.json").write_text(json.dumps(plan, ensure_ascii=False))
    log = (tmp / f"{name}.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", module, str(tmp / f"{name}.plan.json"), str(tmp / f"{name}.out")],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def log_problems(text: str) -> list[str]:
    """Lines of a centre process's log that mention an error or a traceback (the broker's
    restart leaves two expected ones: "lost the broker … reconnecting")."""
    return [line for line in text.splitlines() if "Traceback" in line or "rror" in line]


# What to stop when the run ends, however it ends (an exception, SIGTERM from `timeout`):
# the centre's processes run in sessions of their own and would outlive the harness.
_CLEANUP: list[Callable[[], None]] = []


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        _main()
    finally:
        for stop in reversed(_CLEANUP):
            with suppress(Exception):
                stop()


def _main() -> None:
    args = parse_args()
    command = "python -m bench.command_centre " + shlex.join(sys.argv[1:])
    steps = [float(s) for s in args.steps.split(",") if s]
    tmp = Path(tempfile.mkdtemp(prefix="gangting-cc-bench-"))
    print(f"{command}\nwork dir {tmp}", flush=True)
    world = build_world(args.database_url, booths=args.booths, nodes=args.nodes, listed=args.listed)

    booth_port, centre_port, http_port = free_port(), free_port(), free_port()
    (tmp / "broker-data").mkdir()
    files = broker_files(
        world.new_uow,
        tmp / "broker",
        booth_port,
        centre_port=centre_port,
        persistence_dir=tmp / "broker-data",
    )
    broker = PrivateMosquitto(files.conf_file, booth_port, tmp / "mosquitto.log")
    broker.start()
    _CLEANUP.append(broker.stop)
    assert wait_for_port("127.0.0.1", centre_port, 10), "centre listener"
    booth_url, centre_url = f"mqtt://127.0.0.1:{booth_port}", f"mqtt://127.0.0.1:{centre_port}"

    payload_size = 600 + args.evidence_bytes
    ceiling_out = subprocess.run(
        [sys.executable, "-m", "bench.command_centre.ceiling", centre_url, CENTRE]
        + [CENTRE_PASSWORD, str(args.ceiling_messages), str(payload_size)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    ceiling = json.loads(ceiling_out.stdout)
    print(
        f"mosquitto ceiling (plain paho pub+sub, QoS 1, {payload_size} B): "
        f"{ceiling['per_s']:.0f} msg/s",
        flush=True,
    )

    env = {k: v for k, v in os.environ.items() if not k.startswith("GANGTING_")}
    env.update(
        GANGTING_DATABASE_URL=args.database_url,
        GANGTING_VAR_DIR=str(tmp / "var"),
        GANGTING_MQTT_BROKER="external",
        GANGTING_MQTT_URL=centre_url,  # the centre's own listener (decision 0005)
        GANGTING_MQTT_USERNAME=CENTRE,
        GANGTING_MQTT_PASSWORD=CENTRE_PASSWORD,
        GANGTING_WATCH_LIST_HIT_WINDOW_S="0",  # every listed read is a hit of its own
        GANGTING_WORKERS="1",
    )
    worker = CentreProcess("worker", ["worker"], env, tmp / "worker.log")
    server = CentreProcess(
        "server", ["server", "--port", str(http_port), "--workers", "1"], env, tmp / "server.log"
    )
    base = f"http://127.0.0.1:{http_port}"
    _CLEANUP.extend([lambda: worker.kill(15), lambda: server.kill(15)])
    worker.start()
    server.start()
    wait_worker_connected(worker)
    wait_server(base)
    login = httpx.post(
        f"{base}/api/v1/auth/staff", json={"username": ADMIN, "password": ADMIN_PASSWORD}
    )
    login.raise_for_status()
    feed = LiveFeed(base, str(login.json()["access_token"]), args.kinds or None)
    feed.start()

    procs: dict[str, list[subprocess.Popen[bytes]]] = {"publishers": [], "nodes": []}

    def kill_load() -> None:
        for proc in procs["publishers"] + procs["nodes"]:
            proc.kill()

    _CLEANUP.append(kill_load)
    sampler = Sampler(
        {
            "mosquitto": lambda: (
                [broker.proc.pid] if broker.proc and broker.proc.poll() is None else []
            ),
            "worker": worker.pids,
            "server": server.pids,
            "postgres": postgres_pids,
            "publishers": lambda: [p.pid for p in procs["publishers"] if p.poll() is None],
            "nodes": lambda: [p.pid for p in procs["nodes"] if p.poll() is None],
            "harness": lambda: [os.getpid()],
        }
    )
    counts = Counts(world)
    sampler.start()
    counts.start()

    share = args.publishers
    start_at = time.time() + 8
    phases = phase_list(args, steps)
    plan_steps = [
        {
            "reads": p.rate / share,
            "telemetry": p.rate * args.telemetry_ratio / share,
            "seconds": p.seconds,
        }
        for p in phases
    ]
    codes = list(world.booths)
    for n in range(share):
        plan = {
            "url": booth_url,
            "booths": {c: world.booths[c] for c in codes[n::share]},
            "listed": world.listed,
            "hit_every": args.hit_every,
            "evidence_bytes": args.evidence_bytes,
            "start_at": start_at,
            "steps": plan_steps,
        }
        procs["publishers"].append(
            spawn("bench.command_centre.publishers", plan, tmp, f"publisher{n}")
        )
    restart_at = start_at + sum(p.seconds for p in phases[:-1])
    node_plan = {
        "url": booth_url,
        "nodes": world.nodes,
        "var_dir": str(tmp / "nodes"),
        "start_at": restart_at,
        "seconds": args.restart_s,
        "reads": args.node_reads,
        "help_every_s": args.help_every_s,
        "listed": world.listed,
        "hit_every": args.hit_every // 10 or 1,
    }
    procs["nodes"].append(spawn("bench.command_centre.nodes", node_plan, tmp, "nodes"))

    events: dict[str, float] = {}

    def sleep_until(t: float) -> None:
        time.sleep(max(0.0, t - time.time()))

    ends_at = start_at
    for phase in phases[:-1]:
        ends_at += phase.seconds
        sleep_until(ends_at)
        stored = counts.now()
        print(f"{phase.name} ({phase.rate:.0f} reads/s) done, {stored} plate reads stored")
    sleep_until(restart_at + 0.25 * args.restart_s)
    events["broker_stopped"] = time.time()
    broker.stop()
    time.sleep(3)
    broker.start()
    events["broker_started"] = time.time()
    print("broker restarted (SIGTERM, 3 s down)", flush=True)
    sleep_until(restart_at + 0.6 * args.restart_s)
    events["worker_killed"] = time.time()
    worker.kill()
    time.sleep(2)
    worker.start()
    wait_worker_connected(worker)
    events["worker_started"] = time.time()
    print("worker restarted (SIGKILL, 2 s down)", flush=True)

    for proc in procs["publishers"] + procs["nodes"]:
        proc.wait(600)
    outs = [json.loads((tmp / f"publisher{n}.out").read_text()) for n in range(share)]
    node_out = json.loads((tmp / "nodes.out").read_text())
    reads: dict[str, tuple[float, int, bool]] = {}
    for out in outs:
        for event_id, at, step, hit in out["reads"]:
            reads[event_id] = (at, step, hit)
    node_reads = {event_id for event_id, _at in node_out["reads"]}
    expected = len(reads) + len(node_reads)
    last = (time.time(), counts.now())
    while last[1] < expected and time.time() - last[0] < 30:
        time.sleep(0.5)
        now = counts.now()
        if now > last[1]:
            last = (time.time(), now)
    drained_at = last[0]
    time.sleep(2)  # the last hits' live events
    feed.stop()
    sampler.stop()
    counts.stop()

    node_times = [at for _event_id, at in node_out["reads"]]
    result = report(
        args, command, phases, start_at, world, counts, sampler, feed, reads, node_times
    )
    result.update(
        ceiling=ceiling,
        restarts={k: round(v - restart_at, 2) for k, v in events.items()},
        drained_s_after_last_step=round(drained_at - (restart_at + args.restart_s), 2),
        loss=loss(world, reads, node_reads, node_out, sum(sum(o["telemetry"]) for o in outs)),
        publishers=[{k: o[k] for k in ("acked", "published")} for o in outs],
        feed=dict(feed.counts),
        worker_log_problems=log_problems(worker.log_text())[:20],
        server_log_problems=log_problems(server.log_text())[:20],
        work_dir=str(tmp),
    )
    print_loss(result)
    worker.kill(15)
    server.kill(15)
    broker.stop()
    world.engine.dispose()
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"result {args.json}; logs in {tmp}")


@dataclass(frozen=True)
class Phase:
    """A stretch of the run at one rate: the warm-up, a step, the restart phase."""

    name: str
    rate: float
    seconds: float


def phase_list(args: argparse.Namespace, steps: list[float]) -> list[Phase]:
    warmup = [Phase("warm-up", steps[0], args.warmup_s)] if args.warmup_s > 0 else []
    return [
        *warmup,
        *(Phase(f"{rate:.0f}", rate, args.step_s) for rate in steps),
        Phase("restart", args.restart_reads, args.restart_s),
    ]


def report(
    args: argparse.Namespace,
    command: str,
    phases: list[Phase],
    start_at: float,
    world: World,
    counts: Counts,
    sampler: Sampler,
    feed: LiveFeed,
    reads: dict[str, tuple[float, int, bool]],
    node_times: list[float],
) -> dict[str, Any]:
    """Per step: rates, backlog (published so far, nodes' reads included, less stored),
    latency of the hits whose reads were published in the step, resources."""
    with world.new_uow() as uow:
        rows_ = uow.session.execute(select(PlateReadRecord.id, PlateReadRecord.event_id)).all()
    ids = {str(i): str(e) for i, e in rows_}
    latency: dict[int, list[float]] = {}
    timed: dict[int, list[tuple[float, float]]] = {}  # (publish time, latency ms)
    for arrival, view in feed.hits.values():
        event_id = ids.get(str(view.get("plate_read_id")))
        if event_id is not None and event_id in reads:
            at, step, _hit = reads[event_id]
            latency.setdefault(step, []).append((arrival - at) * 1000)
            timed.setdefault(step, []).append((at, (arrival - at) * 1000))
    hit_reads = Counter(step for at, step, hit in reads.values() if hit)
    rows = []
    print(
        f"\ncommand centre, {cpu_model()}, {os.cpu_count()} CPUs; {args.booths} simulated "
        f"booths in {args.publishers} processes, QoS 1; 1 read in {args.hit_every} is a hit\n"
        f"{'step':>8} {'pub/s':>7} {'ingest/s':>8} {'backlog':>7} {'hits':>9} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}  cpu % (peak RSS MiB)"
    )
    t0 = start_at
    for index, phase in enumerate(phases):
        name, seconds = phase.name, phase.seconds
        t1 = t0 + seconds
        in_step = [at for at, step, _hit in reads.values() if step == index]
        (c0t, c0), (c1t, c1) = counts.after(t0), counts.at(t1)
        # backlog when the step's last count was taken: published by then less stored
        published_by_end = sum(1 for at, _s, _h in reads.values() if at <= c1t)
        published_by_end += sum(1 for at in node_times if at <= c1t)
        ingest = (c1 - c0) / (c1t - c0t) if c1t > c0t else 0.0
        lat = latency.get(index, [])
        expected_hits = hit_reads[index]
        resources = sampler.between(t0, t1)
        row = {
            "step": name,
            "target_reads_per_s": phase.rate,
            "published_per_s": round(len(in_step) / seconds, 1),
            "ingested_per_s": round(ingest, 1),
            "backlog_at_end": published_by_end - c1,
            "hits_on_feed": len(lat),
            "hits_expected": expected_hits,
            "p50_ms": round(pct(lat, 0.5), 1),
            "p99_ms": round(pct(lat, 0.99), 1),
            "max_ms": round(max(lat), 1) if lat else None,
            # the three slowest hits: seconds into the step when published, latency
            "slowest": [
                (round(at - t0, 1), round(ms))
                for at, ms in sorted(timed.get(index, []), key=lambda t: -t[1])[:3]
            ],
            "resources": resources,
        }
        rows.append(row)
        res = " ".join(
            f"{k} {v['cpu_pct']:.0f} ({v['peak_rss_mib']:.0f})" for k, v in resources.items()
        )
        print(
            f"{name:>8} {row['published_per_s']:7.0f} {ingest:8.0f} {row['backlog_at_end']:7d} "
            f"{len(lat):4d}/{expected_hits:<4d} {row['p50_ms']:7.1f} {row['p99_ms']:7.1f} "
            f"{row['max_ms'] or float('nan'):7.1f}  {res}"
        )
        t0 = t1
    return {
        "command": command,
        "machine": {"cpu": cpu_model(), "cpus": os.cpu_count()},
        "args": vars(args),
        "steps": rows,
    }


def loss(
    world: World,
    reads: dict[str, tuple[float, int, bool]],
    node_reads: set[str],
    node_out: dict[str, Any],
    telemetry_published: int,
) -> dict[str, Any]:
    with world.new_uow() as uow:
        s = uow.session
        stored = [str(e) for (e,) in s.execute(select(PlateReadRecord.event_id)).all()]
        helps = dict(
            s.execute(
                select(Booth.code, func.count(HelpCall.id))
                .join(Booth, Booth.id == HelpCall.booth_id)
                .group_by(Booth.code)
            ).all()
        )
        telemetry = s.execute(
            select(func.count())
            .select_from(TelemetryReading)
            .join(Booth, Booth.id == TelemetryReading.booth_id)
            .where(Booth.code.like("BT-SIM-%"), TelemetryReading.kind == "temperature_c")
        ).scalar_one()
        listed_reads = s.execute(
            select(func.count())
            .select_from(PlateReadRecord)
            .where(PlateReadRecord.plate_no.in_(world.listed))
        ).scalar_one()
        hits = s.execute(select(func.count()).select_from(WatchListHit)).scalar_one()
    stored_set = set(stored)
    return {
        "plate_reads_published": len(reads) + len(node_reads),
        "plate_reads_stored": len(stored),
        "plate_reads_doubled": len(stored) - len(stored_set),
        "plate_reads_lost": len((set(reads) | node_reads) - stored_set),
        "node_reads_lost": len(node_reads - stored_set),
        "help_calls_made": node_out["help_calls"],
        "help_calls_stored": {c: int(helps.get(c, 0)) for c in node_out["help_calls"]},
        "node_outbox_left": node_out["pending_left"],
        "telemetry_published": telemetry_published,
        "telemetry_stored": int(telemetry),
        "hits_stored": int(hits),
        "listed_reads_stored": int(listed_reads),
    }


def print_loss(result: dict[str, Any]) -> None:
    loss = result["loss"]
    made, stored = loss["help_calls_made"], loss["help_calls_stored"]
    print(
        f"restarts (s into the restart phase): {result['restarts']}\n"
        f"plate reads: {loss['plate_reads_published']} published, {loss['plate_reads_stored']} "
        f"stored, {loss['plate_reads_lost']} lost (node {loss['node_reads_lost']}), "
        f"{loss['plate_reads_doubled']} doubled\n"
        f"help calls: {sum(made.values())} made, {sum(stored.values())} stored "
        f"(per booth equal: {made == stored}); node outboxes left {loss['node_outbox_left']}\n"
        f"telemetry: {loss['telemetry_published']} published, {loss['telemetry_stored']} stored\n"
        f"hits: {loss['hits_stored']} stored for {loss['listed_reads_stored']} listed reads\n"
        f"ceiling {result['ceiling']['per_s']:.0f} msg/s; drained "
        f"{result['drained_s_after_last_step']} s after the last step; feed {result['feed']}\n"
        f"worker log problems: {len(result['worker_log_problems'])}, "
        f"server: {len(result['server_log_problems'])}"
    )
    for line in result["worker_log_problems"][:5] + result["server_log_problems"][:5]:
        print("   ", line[:200])
