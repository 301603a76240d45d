"""The booth transaction mix against the real server on PostgreSQL, and the SQL ceiling.

    .venv/bin/python -m bench.booth_mix \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/gangting_bench \
        --levels 8,32,128 --seconds 25 --workers 2

Picks work pools by SQL (bench.pools), starts ``gangting server`` itself, waits for
/healthz, and drives N concurrent booths (asyncio + aiohttp, keep-alive, one connection
per booth) for ``--seconds`` per level after a warm-up. Each booth loops: pick a kind by
weight (70 % query, 20 % violation processing + payment, 10 % renewal or inspection mark,
alternating), identity check for that citizen, then the transaction.

One transaction = the citizen's whole action at the booth, identity check included,
timed end to end at the client: query = check + GET /me/violations (2 requests);
processing = check + POST /violations/process + POST /payments (3); renewal / mark =
check + POST (2). Per-request latency and requests/s are reported too.

While a level runs, the server's memory (sum of RSS over the uvicorn master and its
workers, from /proc) is sampled every 0.2 s (peak reported) with its CPU. Afterwards:
no 5xx, every processed decision paid exactly once. Then (unless --no-ceiling) the same
SQL through plain psycopg at the same levels (bench.sql_ceiling) and the ratio.

``--ledger-ab ROUNDS`` (issue 11 §5): the first level only, alternately with the audit
ledger on (``gangting.asgi:app``) and off (``bench.asgi_ledger_off:app``, the same app with
the ledger's session hooks removed: a benchmark-only module, never a production setting),
each half on a freshly started server over the same database, ROUNDS times each; prints
the tx/s of every half and the ledger's cost against the 10 % target.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import psycopg

from bench.evidence import NONCE_PATH, signed_check
from bench.machine import cpu_model, rss_and_cpu
from bench.pools import (
    BOOTH_SECRET,
    Pools,
    bench_today,
    certificate,
    ensure_booths,
    pick_pools,
    plain_url,
)
from bench.sql_ceiling import pct, run_ceiling

TICK = os.sysconf("SC_CLK_TCK")


# --- the server and its resources -----------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo.extend(_children(p))
    return pids


class Sampler(threading.Thread):
    """Peak RSS (sum over the process tree) and CPU ticks of the server."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.pids = _tree(pid)
        self.peak_rss = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            rss, _ = rss_and_cpu(self.pids)
            self.peak_rss = max(self.peak_rss, rss)

    def cpu_ticks(self) -> int:
        return rss_and_cpu(self.pids)[1]


def _machine_ticks() -> tuple[int, int]:
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return sum(fields) - fields[3] - fields[4], sum(fields)


def start_server(
    args: argparse.Namespace, var_dir: Path, app: str | None = None
) -> subprocess.Popen[bytes]:
    """``gangting server``; with ``app``, uvicorn with the same options on that ASGI app
    (the ledger comparison starts both halves this way: ``gangting.asgi:app`` and
    ``bench.asgi_ledger_off:app``)."""
    env = {
        **os.environ,
        "GANGTING_DATABASE_URL": args.database_url,
        "GANGTING_VAR_DIR": str(var_dir),
        "GANGTING_DEMO_CLOCK": args.demo_clock,
    }
    exe = Path(sys.executable).with_name("gangting")
    cmd = [str(exe), "server", "--workers", str(args.workers), "--port", str(args.port)]
    if app is not None:
        cmd = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1",
               "--port", str(args.port), "--workers", str(args.workers),
               "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    import urllib.request

    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=1) as r:
                if r.status == 200:
                    time.sleep(1.0 + 0.5 * args.workers)  # let every worker finish booting
                    return proc
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
    stop_server(proc)
    raise SystemExit("server did not answer /healthz within 60 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- the booths -----------------------------------------------------------------------


@dataclass
class Stats:
    tx: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    req: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    status: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    failed_tx: int = 0
    exhausted: int = 0
    paid: list[str] = field(default_factory=list)
    unpaid_decisions: int = 0


class Failed(Exception):
    pass


class Run:
    def __init__(self, base: str, pools: Pools, today: date, measure_from: float, end: float):
        self.demo_clock = ""  # the server's GANGTING_DEMO_CLOCK: the evidence's signing time
        self.base = base
        self.pools = pools
        self.today = today
        self.measure_from = measure_from
        self.end = end
        self.stats = Stats()
        self.flip = 0
        self.n = 0

    def recording(self, start: float, end: float) -> bool:
        return start >= self.measure_from and end <= self.end

    async def call(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        name: str,
        headers: dict[str, str],
        body: Any = None,
        *,
        record: list[tuple[str, float]],
    ) -> Any:
        start = time.monotonic()
        async with session.request(method, self.base + path, json=body, headers=headers) as r:
            data = await r.json(content_type=None)
            status = r.status
        record.append((name, time.monotonic() - start))
        self.stats.status[status] += 1
        if status >= 300:
            raise Failed(f"{name} {status} {json.dumps(data, ensure_ascii=False)[:200]}")
        return data

    async def booth(
        self, session: aiohttp.ClientSession, token: str, code: str, rng: random.Random
    ) -> None:
        auth = {"Authorization": f"Bearer {token}"}
        while True:
            start = time.monotonic()
            if start >= self.end:
                return
            r = rng.random()
            if r < 0.7:
                kind = "query"
            elif r < 0.9:
                kind = "process"
            else:
                self.flip += 1
                kind = "renew" if self.flip % 2 else "mark"
            item: Any
            if kind == "query":
                self.n += 1
                item = self.pools.query[self.n % len(self.pools.query)]
            else:
                queue: Any = getattr(self.pools, kind)
                item = queue.popleft() if queue else None
                if item is None:
                    self.stats.exhausted += 1
                    kind, item = "query", self.pools.query[self.n % len(self.pools.query)]
            id_number = item if kind == "query" else item[0] if kind == "renew" else item.id_number
            reqs: list[tuple[str, float]] = []
            paid: list[str] = []
            try:
                issued = await self.call(
                    session, "POST", NONCE_PATH, "identity_nonce", auth, {}, record=reqs
                )
                check = await self.call(
                    session,
                    "POST",
                    "/api/v1/identity/check",
                    "identity_check",
                    {**auth, "Idempotency-Key": uuid.uuid4().hex},
                    signed_check(code, id_number, issued["nonce"], self.demo_clock),
                    record=reqs,
                )
                h = {**auth, "X-Identity-Token": check["identity_token"]}
                if kind == "query":
                    await self.call(
                        session, "GET", "/api/v1/me/violations", "my_violations", h, record=reqs
                    )
                elif kind == "process":
                    out = await self.call(
                        session,
                        "POST",
                        "/api/v1/violations/process",
                        "process",
                        {**h, "Idempotency-Key": uuid.uuid4().hex},
                        {"violation_refs": item.refs},
                        record=reqs,
                    )
                    nos = [d["decision_no"] for d in out["decisions"] if d["fine_fen"] > 0]
                    self.stats.unpaid_decisions += len(out["decisions"]) - len(nos)
                    if nos:
                        pay = await self.call(
                            session,
                            "POST",
                            "/api/v1/payments",
                            "payment",
                            {**h, "Idempotency-Key": uuid.uuid4().hex},
                            {"decision_nos": nos, "payer_code": f"QR-{uuid.uuid4().hex[:12]}"},
                            record=reqs,
                        )
                        if pay["state"] != "succeeded":
                            raise Failed(f"payment {pay['payment_no']} is {pay['state']}")
                        paid = nos
                elif kind == "renew":
                    await self.call(
                        session,
                        "POST",
                        "/api/v1/licences/renewal",
                        "renewal",
                        {**h, "Idempotency-Key": uuid.uuid4().hex},
                        {"health_certificate": certificate(self.today)},
                        record=reqs,
                    )
                else:
                    await self.call(
                        session,
                        "POST",
                        "/api/v1/vehicles/inspection-mark",
                        "inspection_mark",
                        {**h, "Idempotency-Key": uuid.uuid4().hex},
                        {"plate": item.plate},
                        record=reqs,
                    )
            except (TimeoutError, Failed, aiohttp.ClientError) as exc:
                self.stats.failed_tx += 1
                if len(self.stats.failures) < 10:
                    self.stats.failures.append(f"{kind}: {exc!r}"[:300])
                continue
            finally:
                self.stats.paid.extend(paid)
            end = time.monotonic()
            if self.recording(start, end):
                self.stats.tx[kind].append(end - start)
                for name, seconds in reqs:
                    self.stats.req[name].append(seconds)


async def login_all(base: str, codes: list[str]) -> list[str]:
    async with aiohttp.ClientSession() as session:

        async def one(code: str) -> str:
            async with session.post(
                base + "/api/v1/auth/booth", json={"booth_code": code, "secret": BOOTH_SECRET}
            ) as r:
                r.raise_for_status()
                return str((await r.json())["access_token"])

        tokens = []
        for i in range(0, len(codes), 16):
            tokens += await asyncio.gather(*(one(c) for c in codes[i : i + 16]))
        return tokens


async def drive(
    base: str,
    tokens: list[str],
    pools: Pools,
    today: date,
    warmup: float,
    seconds: float,
    codes: list[str] | None = None,
    demo_clock: str = "",
) -> Run:
    t0 = time.monotonic()
    run = Run(base, pools, today, t0 + warmup, t0 + warmup + seconds)
    run.demo_clock = demo_clock
    names = codes if codes is not None else [f"BENCH-{i + 1:03d}" for i in range(len(tokens))]
    connector = aiohttp.TCPConnector(limit=len(tokens), keepalive_timeout=60)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(
            *(run.booth(session, tok, names[i], random.Random(i)) for i, tok in enumerate(tokens))
        )
    return run


# --- profiling one worker while a level runs (py-spy) -------------------------------

_BUCKETS = (
    ("sqlalchemy", "sqlalchemy"),
    ("psycopg", "psycopg"),
    ("pydantic", "pydantic"),
    ("fastapi", "fastapi"),
    ("starlette", "starlette"),
    ("anyio", "anyio"),
    ("uvicorn", "uvicorn"),
    ("argon2", "argon2"),
    ("json", "json/"),
    ("gangting", "gangting/"),
    ("sqlite3 (fake payment platform)", "gangting/integrations/store.py"),
)


def start_profile(server_pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    workers = [p for p in _tree(server_pid) if p != server_pid]
    exe = Path(sys.executable).with_name("py-spy")
    if not workers or not exe.exists():
        return None
    target = max(workers, key=lambda p: rss_and_cpu([p])[0])  # a worker, not a helper
    cmd = [str(exe), "record", "--pid", str(target), "--duration", str(int(seconds)), "--gil",
           "--rate", "200", "--format", "raw", "--output", str(out), "--nonblocking"]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarise_profile(path: Path, top: int = 25) -> dict[str, Any]:
    """Self time by leaf function and by package (the leaf frame's file)."""
    leaf: Counter[str] = Counter()
    package: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        leaf[frames[-1]] += count
        bucket = "other (stdlib, C)"
        for name, marker in _BUCKETS:
            if marker in frames[-1]:
                bucket = name
        package[bucket] += count
        for f in set(frames):
            if "gangting/" in f:
                inclusive[f] += count
    return {
        "samples": total,
        "by_package": {k: v / total for k, v in package.most_common()},
        "top_self": [(k, v / total) for k, v in leaf.most_common(top)],
        "top_gangting_inclusive": [(k, v / total) for k, v in inclusive.most_common(top)],
    }


# --- checks and the report ------------------------------------------------------------


def check_payments(url: str, decision_nos: list[str]) -> dict[str, int]:
    """Every decision paid in the run: state paid, exactly one succeeded payment."""
    if not decision_nos:
        return {"decisions": 0, "bad": 0}
    with psycopg.connect(plain_url(url)) as conn:
        rows = conn.execute(
            "SELECT d.decision_no, d.state,"
            " count(p.id) FILTER (WHERE p.state = 'succeeded') AS ok"
            " FROM penalty_decisions d"
            " LEFT JOIN payment_items i ON i.decision_id = d.id"
            " LEFT JOIN payments p ON p.id = i.payment_id"
            " WHERE d.decision_no = ANY(%s) GROUP BY d.decision_no, d.state",
            (decision_nos,),
        ).fetchall()
    bad = sum(1 for _, state, ok in rows if state != "paid" or ok != 1)
    return {"decisions": len(decision_nos), "found": len(rows), "bad": bad}


def row_counts(url: str) -> dict[str, int]:
    tables = (
        "citizens driving_licences vehicles violations penalty_decisions payments"
        " point_entries applications audit_entries idempotency_keys identity_tokens"
    ).split()
    with psycopg.connect(plain_url(url)) as conn:
        return {
            t: int(
                conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
            )
            for t in tables
        }


def summarise(run: Run, seconds: float, booths: int) -> dict[str, Any]:
    every = [x for v in run.stats.tx.values() for x in v]
    reqs = [x for v in run.stats.req.values() for x in v]
    return {
        "booths": booths,
        "tx": len(every),
        "tx_per_s": len(every) / seconds,
        "req_per_s": len(reqs) / seconds,
        "p50_ms": pct(every, 50) * 1000,
        "p99_ms": pct(every, 99) * 1000,
        "req_p50_ms": pct(reqs, 50) * 1000,
        "req_p99_ms": pct(reqs, 99) * 1000,
        "per_kind": {
            k: {"n": len(v), "p50_ms": pct(v, 50) * 1000, "p99_ms": pct(v, 99) * 1000}
            for k, v in run.stats.tx.items()
        },
        "per_request": {
            k: {"n": len(v), "p50_ms": pct(v, 50) * 1000, "p99_ms": pct(v, 99) * 1000}
            for k, v in run.stats.req.items()
        },
        "status": dict(run.stats.status),
        "failed_tx": run.stats.failed_tx,
        "failures": run.stats.failures,
        "exhausted": run.stats.exhausted,
    }


LEDGER_APPS = {"on": "gangting.asgi:app", "off": "bench.asgi_ledger_off:app"}


def ledger_links(url: str) -> int:
    with psycopg.connect(plain_url(url)) as conn:
        row = conn.execute("SELECT count(*) FROM ledger_links").fetchone()
    return int(row[0]) if row else 0


def ledger_ab(args: argparse.Namespace, pools: Pools, today: date, codes: list[str]) -> None:
    """The same level with the ledger on and off, alternating (on, off, on, off, ...), each
    half on a freshly started server over the same database; tx/s of each and the cost."""
    booths = int(args.levels.split(",")[0])
    base = f"http://127.0.0.1:{args.port}"
    var_dir = Path(tempfile.mkdtemp(prefix="gangting-bench-"))
    print(" ".join(sys.argv), flush=True)
    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs", flush=True)
    phases: list[dict[str, Any]] = []
    paid: list[str] = []
    for round_no in range(args.ledger_ab):
        for mode in ("on", "off"):
            links0 = ledger_links(args.database_url)
            load0 = os.getloadavg()[0]
            server = start_server(args, var_dir, LEDGER_APPS[mode])
            try:
                tokens = asyncio.run(login_all(base, codes[:booths]))
                sampler = Sampler(server.pid)
                m0, c0 = _machine_ticks(), sampler.cpu_ticks()
                run = asyncio.run(drive(base, tokens, pools, today, args.warmup, args.seconds))
                m1, c1 = _machine_ticks(), sampler.cpu_ticks()
            finally:
                stop_server(server)
            result = summarise(run, args.seconds, booths)
            # the server's CPU over warm-up and measured seconds, per transaction done
            done = sum(len(v) for v in run.stats.tx.values()) * (
                (args.warmup + args.seconds) / args.seconds
            )
            result["server_cpu_ms_per_tx"] = (c1 - c0) / TICK * 1000 / max(1.0, done)
            result.update(
                round=round_no + 1,
                ledger=mode,
                links_added=ledger_links(args.database_url) - links0,
                load_before=load0,
                load_after=os.getloadavg()[0],
                machine_cpu_busy=(m1[0] - m0[0]) / max(1, m1[1] - m0[1]),
            )
            paid += run.stats.paid
            phases.append(result)
            print(
                f"round {round_no + 1} ledger {mode:>3}: {result['tx_per_s']:7.1f} tx/s"
                f"  p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms"
                f"  links added {result['links_added']:,}  failed {result['failed_tx']}"
                f"  server CPU {result['server_cpu_ms_per_tx']:.1f} ms/tx"
                f"  load {load0:.2f}->{result['load_after']:.2f}"
                f"  machine {result['machine_cpu_busy']:.0%}  status {result['status']}",
                flush=True,
            )
            for line in result["failures"][:5]:
                print("   ", line)
    check = check_payments(args.database_url, paid)
    five_xx = sum(n for r in phases for s, n in r["status"].items() if s >= 500)
    on = [r["tx_per_s"] for r in phases if r["ledger"] == "on"]
    off = [r["tx_per_s"] for r in phases if r["ledger"] == "off"]
    mean_on, mean_off = sum(on) / len(on), sum(off) / len(off)
    cost = 1 - mean_on / mean_off
    print(f"correctness: 5xx={five_xx} payments={check}")
    print(
        f"ledger on {mean_on:.1f} tx/s, off {mean_off:.1f} tx/s (means of {len(on)}):"
        f" the ledger costs {cost:.1%} of the transactions per second (target at most 10 %)"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {"args": vars(args), "phases": phases, "check": check, "five_xx": five_xx,
                 "mean_on": mean_on, "mean_off": mean_off, "cost": cost},
                f, indent=2, default=str,
            )  # fmt: skip
    if five_xx or check.get("bad"):
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--levels", default="8,32,128")
    parser.add_argument("--seconds", type=float, default=25, help="measured seconds per level")
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--port", type=int, default=8611)
    parser.add_argument("--demo-clock", default="", help="GANGTING_DEMO_CLOCK for the server")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the psycopg ceiling")
    parser.add_argument("--ceiling-seconds", type=float, default=None)
    parser.add_argument("--procs", type=int, default=2, help="ceiling client processes")
    parser.add_argument("--profile-level", type=int, help="py-spy one worker at this level")
    parser.add_argument("--json", help="write all results here")
    parser.add_argument(
        "--ledger-ab",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="the first level only, ROUNDS times with the audit ledger on then off",
    )
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    today = bench_today(args.demo_clock)
    base = f"http://127.0.0.1:{args.port}"

    codes = ensure_booths(args.database_url, max(levels))
    counts = row_counts(args.database_url)
    print("rows:", counts, flush=True)
    t = time.monotonic()
    pools = pick_pools(args.database_url, today)
    print(f"pools: {pools.sizes()} picked in {time.monotonic() - t:.1f} s", flush=True)
    if args.ledger_ab:
        ledger_ab(args, pools, today, codes)
        return

    var_dir = Path(tempfile.mkdtemp(prefix="gangting-bench-"))
    server = start_server(args, var_dir)
    results: list[dict[str, Any]] = []
    paid: list[str] = []
    try:
        tokens = asyncio.run(login_all(base, codes))
        sampler = Sampler(server.pid)
        sampler.start()
        for booths in levels:
            sampler.peak_rss = 0
            cpu0, m0 = sampler.cpu_ticks(), _machine_ticks()
            w0 = time.monotonic()
            spy = None
            if booths == args.profile_level:
                spy = start_profile(server.pid, args.seconds, var_dir / "profile.txt")
            run = asyncio.run(
                drive(
                    base,
                    tokens[:booths],
                    pools,
                    today,
                    args.warmup,
                    args.seconds,
                    codes[:booths],
                    args.demo_clock,
                )
            )
            wall = time.monotonic() - w0
            cpu1, m1 = sampler.cpu_ticks(), _machine_ticks()
            result = summarise(run, args.seconds, booths)
            result["peak_rss_mib"] = sampler.peak_rss / 2**20
            result["server_cpu_cores"] = (cpu1 - cpu0) / TICK / wall
            result["machine_cpu_busy"] = (m1[0] - m0[0]) / max(1, m1[1] - m0[1])
            if spy is not None:
                spy.wait(timeout=30)
                profile = summarise_profile(var_dir / "profile.txt")
                result["profile"] = profile
                print("profile, share of one worker's samples by package:", flush=True)
                for name, share in profile["by_package"].items():
                    print(f"   {share:6.1%}  {name}")
                print("top self time:")
                for name, share in profile["top_self"][:15]:
                    print(f"   {share:6.1%}  {name}")
            paid += run.stats.paid
            results.append(result)
            print(
                f"http {booths:>4} booths: {result['tx_per_s']:7.1f} tx/s"
                f" {result['req_per_s']:7.1f} req/s  p50 {result['p50_ms']:6.1f} ms"
                f"  p99 {result['p99_ms']:6.1f} ms  rss {result['peak_rss_mib']:.0f} MiB"
                f"  server cpu {result['server_cpu_cores']:.2f} cores"
                f"  machine {result['machine_cpu_busy']:.0%}  failed {result['failed_tx']}"
                f"  exhausted {result['exhausted']}  status {result['status']}",
                flush=True,
            )
            for line in result["failures"][:5]:
                print("   ", line)
        sampler.stop.set()
    finally:
        stop_server(server)
    check = check_payments(args.database_url, paid)
    five_xx = sum(n for r in results for s, n in r["status"].items() if s >= 500)
    print(f"correctness: 5xx={five_xx} payments={check}", flush=True)

    ceiling: list[dict[str, Any]] = []
    if not args.no_ceiling:
        ceiling = run_ceiling(
            args.database_url,
            levels,
            args.ceiling_seconds or args.seconds,
            demo_clock=args.demo_clock,
            warmup_s=args.warmup,
            procs=args.procs,
        )

    print()
    print("| booths | tx/s | req/s | p50 ms | p99 ms | peak RSS MiB | server CPU cores |"
          " ceiling tx/s | ceiling p99 ms | ratio |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for i, r in enumerate(results):
        c = ceiling[i] if ceiling else None
        ratio = f"{r['tx_per_s'] / c['tx_per_s']:.0%}" if c else "-"
        print(
            f"| {r['booths']} | {r['tx_per_s']:.0f} | {r['req_per_s']:.0f} | {r['p50_ms']:.1f}"
            f" | {r['p99_ms']:.1f} | {r['peak_rss_mib']:.0f} | {r['server_cpu_cores']:.2f}"
            f" | {c['tx_per_s'] if c else float('nan'):.0f}"
            f" | {c['p99_ms'] if c else float('nan'):.1f} | {ratio} |"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "args": vars(args),
                    "rows": counts,
                    "http": results,
                    "ceiling": ceiling,
                    "check": check,
                    "five_xx": five_xx,
                },
                f,
                indent=2,
                default=str,
            )
    if five_xx or check.get("bad"):
        sys.exit(1)


if __name__ == "__main__":
    main()
