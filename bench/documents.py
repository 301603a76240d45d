"""Document OCR benchmark: rendered ID cards (and health certificates), accuracy and speed.

    .venv/bin/python -m bench.documents                     # 50 cards, 10 forms (~3 min idle)
    .venv/bin/python -m bench.documents --cards 20 --forms 6 --json /tmp/documents.json

Images: second-generation ID-card fronts of random Baotou citizens (names with rare
characters, nations incl. 蒙古/达斡尔/鄂温克, two- or three-line addresses, valid 1502xx
numbers) drawn by ``tests/identification/documents/render.py``; card i is shot clean when i
is even and degraded (rotation up to 6 degrees, perspective, blur, noise, JPEG 50-80) when
odd, in a 1280 x 960 frame. Health certificates likewise in a 1600 x 1200 frame.
Rendering is not timed.

Each thread count runs in a fresh interpreter (``--worker``): 1 thread pinned to one core
(``os.sched_setaffinity``), 2 threads on two cores. Timed: ``read_id_card`` /
``read_health_certificate`` per image (OCR + field extraction + checks), after one
untimed warm-up read; load = building and loading the engine. Peak RSS is the worker's
``ru_maxrss`` (it includes the rendered images held in memory; the RSS right after loading
the engine is given too). CPU ms per image (process time, all threads) is given beside
the wall-clock ms because this is a shared 2-core machine: the load average before and
after the run is recorded, and wall times are only comparable at a low load.
Exact = the field equals what was printed; a card is exact when all six fields are.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shlex
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]
CARD_FIELDS = ("name", "sex", "nation", "birth_date", "address", "id_number")
FORM_FIELDS = ("institution", "examined_on", "conclusion")
TODAY = date(2026, 11, 26)


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))
    return s[k]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _worker(cards: int, forms: int, seed: int, threads: int) -> dict[str, Any]:
    cores = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, set(cores[-threads:]))
    sys.path.insert(0, str(ROOT))
    import cv2

    cv2.setNumThreads(threads)
    from tests.identification.documents.render import (
        clean,
        degraded,
        make_citizen,
        make_health_form,
        render_health_form,
        render_id_card,
    )

    from gangting.identification.documents import (
        OcrEngine,
        read_health_certificate,
        read_id_card,
    )

    card_set = []
    for i in range(cards):
        rng = random.Random(seed * 100_003 + i)
        c = make_citizen(rng, want_x=i % 10 == 9)
        doc = render_id_card(c, seed=i)
        shot = clean(doc, seed=i) if i % 2 == 0 else degraded(doc, seed=i)
        want = (c.name, c.sex, c.nation, c.birth_date.isoformat(), c.address, c.id_number)
        card_set.append((i % 2 == 1, shot, want))
    form_set = []
    for i in range(forms):
        rng = random.Random(seed * 200_003 + i)
        f = make_health_form(rng, make_citizen(rng), TODAY - timedelta(days=rng.randrange(150)))
        doc = render_health_form(f)
        frame = {"frame": (1600, 1200), "fill": 0.92}
        shot = clean(doc, seed=i, **frame) if i % 2 == 0 else degraded(doc, seed=i, **frame)
        want_f = (f.institution, f.examined_on.isoformat(), f.conclusion)
        form_set.append((i % 2 == 1, shot, want_f))

    t = time.perf_counter()
    engine = OcrEngine(threads=threads)
    engine.load()
    load_s = time.perf_counter() - t
    rss_loaded_mb = _rss_mb()
    read_id_card(card_set[0][1], engine=engine, on=TODAY)  # warm-up, untimed

    card_rows = []
    for is_degraded, shot, want in card_set:
        t, c0 = time.perf_counter(), time.process_time()
        read = read_id_card(shot, engine=engine, on=TODAY)
        ms, cpu_ms = (time.perf_counter() - t) * 1000, (time.process_time() - c0) * 1000
        f = read.fields
        got = (
            f.name,
            f.sex,
            f.nation,
            f.birth_date.isoformat() if f.birth_date else None,
            f.address,
            f.id_number,
        )
        card_rows.append(
            {
                "degraded": is_degraded,
                "ms": ms,
                "cpu_ms": cpu_ms,
                "want": want,
                "got": got,
                "ok": read.ok,
            }
        )
    form_rows = []
    for is_degraded, shot, want_f in form_set:
        t, c0 = time.perf_counter(), time.process_time()
        hc = read_health_certificate(shot, engine=engine)
        ms, cpu_ms = (time.perf_counter() - t) * 1000, (time.process_time() - c0) * 1000
        g = hc.fields
        got_f = (g.institution, g.examined_on.isoformat() if g.examined_on else None, g.conclusion)
        form_rows.append(
            {"degraded": is_degraded, "ms": ms, "cpu_ms": cpu_ms, "want": want_f, "got": got_f}
        )
    return {
        "threads": threads,
        "cores": sorted(os.sched_getaffinity(0)),
        "load_s": round(load_s, 3),
        "rss_after_load_mb": rss_loaded_mb,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cards": card_rows,
        "forms": form_rows,
    }


def _accuracy(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for subset, pick in (("all", None), ("clean", False), ("degraded", True)):
        chosen = [r for r in rows if pick is None or r["degraded"] is pick]
        if not chosen:
            continue
        n = len(chosen)
        per_field = {
            name: round(100 * sum(r["want"][k] == r["got"][k] for r in chosen) / n, 1)
            for k, name in enumerate(fields)
        }
        exact = round(100 * sum(tuple(r["want"]) == tuple(r["got"]) for r in chosen) / n, 1)
        out[subset] = {"n": n, "exact_%": exact, "field_exact_%": per_field}
    return out


def _timing(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ms = [r["ms"] for r in rows]
    if not ms:
        return {}
    cpu = [r["cpu_ms"] for r in rows]
    return {
        "median_ms": round(statistics.median(ms)),
        "p99_ms": round(_pct(ms, 99)),
        "median_cpu_ms": round(statistics.median(cpu)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--cards", type=int, default=50)
    ap.add_argument("--forms", type=int, default=10, help="health certificates")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--json", type=Path, help="write the results here as JSON")
    ap.add_argument("--worker", type=int, metavar="THREADS", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        print(json.dumps(_worker(args.cards, args.forms, args.seed, args.worker)))
        return

    command = shlex.join([Path(sys.executable).name, "-m", "bench.documents", *sys.argv[1:]])
    load_before = round(os.getloadavg()[0], 2)  # others' work on a shared machine skews times
    runs = []
    for threads in args.threads:
        out = subprocess.run(
            [sys.executable, "-m", "bench.documents", "--worker", str(threads)]
            + ["--cards", str(args.cards), "--forms", str(args.forms), "--seed", str(args.seed)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))

    first = runs[0]
    misses = [
        {"want": r["want"], "got": r["got"], "degraded": r["degraded"]}
        for r in first["cards"] + first["forms"]
        if tuple(r["want"]) != tuple(r["got"])
    ]
    differ = sum(
        tuple(a["got"]) != tuple(b["got"])
        for run in runs[1:]
        for a, b in zip(first["cards"] + first["forms"], run["cards"] + run["forms"], strict=True)
    )
    result = {
        "command": command,
        "machine": f"{platform.node()} {platform.machine()}",
        "cpu_model": cpu_model(),
        "python": platform.python_version(),
        "load_average_1min": {"before": load_before, "after": round(os.getloadavg()[0], 2)},
        "engine": "rapidocr 3.10.0, PP-OCRv6 small det+rec, ppocr mobile v2 cls, det max side 960",
        "cards": _accuracy(first["cards"], CARD_FIELDS),
        "cards_checked_ok_%": round(
            100 * sum(r["ok"] for r in first["cards"]) / max(len(first["cards"]), 1), 1
        ),
        "forms": _accuracy(first["forms"], FORM_FIELDS),
        "speed": {
            f"{run['threads']}_thread{'s' if run['threads'] > 1 else ''}": {
                "cores": run["cores"],
                "load_s": run["load_s"],
                "rss_after_load_mb": run["rss_after_load_mb"],
                "peak_rss_mb": run["peak_rss_mb"],
                "card": _timing(run["cards"]),
                "form": _timing(run["forms"]),
            }
            for run in runs
        },
        "reads_differing_between_thread_counts": differ,
        "misses": misses,
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
