"""Plate-reader benchmark: accuracy, latency and memory, ours against the offline peers.

    .venv/bin/python -m bench.plates            # everything (~10 min on 2 vCPUs)
    .venv/bin/python -m bench.plates --no-peers # ours only

Sets: ``shared/data/plates`` (dev, tuned on) and ``shared/data/plates-eval`` (evaluation,
never tuned on), each as full frames (720x1160) and crops (94x24); rendered 蒙B plates
(the real photos have none: 30 blue + 10 green, upright crops and perspective-warped
in a frame, rendered by ``tests/identification/render.py``); and, for ours, a simulated
pass per full frame (8 frames: the frame shifted, scaled, blurred, darkened, noised,
JPEG-recompressed) read frame by frame and voted by the tracker into one read per vehicle.

Each pipeline runs in its own process pinned with ``taskset`` to one core (1 thread),
then to two cores (2 threads). Peers run from their own throw-away virtualenvs, never
from ours: ``hyperlpr2==2.0.0`` with ``opencv-python<5`` (``--hyperlpr-python``,
default /tmp/peer-hyperlpr) and ``agentclpr==1.1.0``'s own ``CLPSystem`` pipeline
(``--agentclpr-python``, default /tmp/peer-agentclpr). Create them with
``python3.11 -m venv /tmp/peer-hyperlpr && /tmp/peer-hyperlpr/bin/pip install
hyperlpr2==2.0.0 'opencv-python<5'`` and ``python3.11 -m venv /tmp/peer-agentclpr &&
/tmp/peer-agentclpr/bin/pip install agentclpr==1.1.0 onnxruntime``.

Exact = the first read equals the label after normalising (drop '·', spaces, '-';
upper-case; O->0 and I->1 after the province character). ms = per image, decoding the
JPEG excluded; full frames are timed ``--repeat`` times. Memory = the worker's peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.machine import cpu_model

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
PEERS = ("ours", "hyperlpr2", "agentclpr")


def normalise(text: str) -> str:
    value = "".join(c for c in text if c not in "·• -.").upper()
    return value[:1] + value[1:].replace("O", "0").replace("I", "1")


# --- worker (runs in the pipeline's own interpreter; imports only what it needs) ----------


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _make_reader(name: str, threads: int) -> tuple[Any, Any]:
    """(read_frame(img) -> text, read_crop(img) -> text) for one pipeline."""
    if name == "ours":
        from gangting.identification.plates import PlateReader

        reader = PlateReader(threads=threads)

        def frame(img: Any) -> str:
            reads = reader.read_frame(img)
            return reads[0].plate if reads else ""

        def crop(img: Any) -> str:
            read = reader.read_crop(img)
            return read.plate if read else ""

        return frame, crop
    import cv2

    cv2.setNumThreads(threads)
    if name == "hyperlpr2":
        import hyperlpr2

        def frame(img: Any) -> str:
            res = hyperlpr2.HyperLPR_plate_recognition(img)
            return str(max(res, key=lambda r: r[1])[0]) if res else ""

        def crop(img: Any) -> str:
            return str(hyperlpr2.PR.segmentation_free_recognition(img)[0])

        return frame, crop
    if name == "agentclpr":
        import numpy as np
        from agentclpr import CLPSystem

        system = CLPSystem()

        def frame(img: Any) -> str:
            res = system(img)
            return str(max(res, key=lambda r: r[1][1])[1][0]) if res else ""

        def crop(img: Any) -> str:
            # the same preparation CLPSystem.det_ocr applies to a detected box
            h, w = img.shape[:2]
            big = cv2.resize(img, (256, int(256 / w * h)))
            padded = np.pad(big, ((100, 100), (100, 100), (0, 0)), constant_values=255)
            return "".join(r[1][0] for r in system.ocr(padded))

        return frame, crop
    raise SystemExit(f"unknown pipeline {name}")


def _simulated_pass(read_frame_full: Any, items: list[list[str]], n: int) -> dict[str, Any]:
    """Ours only: n degraded frames per full frame, voted per vehicle by the tracker."""
    from datetime import UTC, datetime, timedelta

    import cv2
    import numpy as np

    from gangting.identification.plates import PlateTracker

    rng = np.random.default_rng(20261126)
    tracker = PlateTracker()
    t = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    vehicles = frames_right = frames = 0
    for path, label, _ in items:
        img = cv2.imread(path)
        h, w = img.shape[:2]
        got = []
        for k in range(n):
            s = 0.85 + 0.3 * k / max(n - 1, 1)
            m = np.float32(
                [[s, 0, (1 - s) * w / 2 + rng.uniform(-40, 40)], [0, s, rng.uniform(-80, 80)]]
            )
            f = cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REFLECT)
            if rng.random() < 0.5:
                f = cv2.GaussianBlur(f, (5, 5), rng.uniform(0.8, 1.6))
            f = np.clip(f * rng.uniform(0.55, 1.15) + rng.normal(0, 6, f.shape), 0, 255)
            ok, buf = cv2.imencode(
                ".jpg", f.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(35, 80))]
            )
            f = cv2.imdecode(buf, cv2.IMREAD_COLOR)
            reads = read_frame_full(f)
            frames += 1
            frames_right += bool(reads) and reads[0].plate == label
            got += tracker.update(reads[:1], t)
            t += timedelta(milliseconds=200)
        t += timedelta(seconds=5)
        got += tracker.update([], t)
        vehicles += len(got) == 1 and got[0].plate == label
    return {
        "vehicles": len(items),
        "vehicles_right": vehicles,
        "frames": frames,
        "frames_right": frames_right,
    }


def worker(args: argparse.Namespace) -> None:
    import cv2

    manifest = json.loads(Path(args.manifest).read_text(encoding="utf-8"))
    frame, crop = _make_reader(args.worker, args.threads)
    out: dict[str, Any] = {"rss_loaded_mb": round(_rss_mb(), 1), "sets": {}}
    for name, items in manifest["sets"].items():
        images = [(cv2.imread(p), label, kind) for p, label, kind in items]
        preds: list[str] = []
        ms: list[float] = []
        repeat = manifest["repeat"] if items and items[0][2] == "full" else 1
        for r in range(repeat):
            for img, _, kind in images:
                t0 = time.perf_counter()
                try:
                    text = frame(img) if kind == "full" else crop(img)
                except Exception as exc:  # a peer crashing on one image counts as a miss
                    text = f"<error {type(exc).__name__}>"
                ms.append((time.perf_counter() - t0) * 1000)
                if r == 0:
                    preds.append(text)
        out["sets"][name] = {"pred": preds, "ms": ms}
    if args.worker == "ours" and manifest.get("pass_frames"):
        from gangting.identification.plates import PlateReader

        reader = PlateReader(threads=args.threads)
        out["passes"] = {
            name: _simulated_pass(reader.read_frame, items, manifest["pass_frames"])
            for name, items in manifest["sets"].items()
            if items and items[0][2] == "full"
        }
    out["rss_peak_mb"] = round(_rss_mb(), 1)
    print(json.dumps(out, ensure_ascii=False))


# --- driver ---------------------------------------------------------------------------


def _labels(folder: Path) -> dict[str, list[list[str]]]:
    with (folder / "labels.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    sets: dict[str, list[list[str]]] = {"full": [], "crop": []}
    for r in rows:
        kind = r["file"].split("/")[0]
        sets[kind].append([str(folder / r["file"]), r["plate"], kind])
    return sets


def _rendered(tmp: Path, n_blue: int = 30, n_green: int = 10) -> dict[str, list[list[str]]]:
    import cv2
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from tests.identification.render import in_frame, render_plate

    from gangting.identification.plates.grammar import DIGITS, SERIAL

    rng = np.random.default_rng(7)
    plates = []
    for i in range(n_blue + n_green):
        if i < n_blue:
            serial = "".join(rng.choice(list(SERIAL), 5))
        else:
            serial = (
                str(rng.choice(list("DF")))
                + str(rng.choice(list(SERIAL)))
                + "".join(rng.choice(list(DIGITS), 4))
            )
        plates.append("蒙B" + serial)
    crops, frames = [], []
    for i, p in enumerate(plates):
        img = render_plate(p)
        cp, fp = tmp / f"crop_{i}.png", tmp / f"frame_{i}.jpg"
        cv2.imwrite(str(cp), img)
        at = (int(rng.integers(100, 450)), int(rng.integers(300, 900)))
        frame = in_frame(
            img,
            at=at,
            skew=float(rng.uniform(-0.15, 0.15)),
            seed=i,
            plate_height=int(rng.integers(36, 56)),
        )
        cv2.imwrite(str(fp), frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
        crops.append([str(cp), p, "crop"])
        frames.append([str(fp), p, "full"])
    return {"full": frames, "crop": crops}


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))
    return s[k]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--worker", choices=PEERS, help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--manifest", help=argparse.SUPPRESS)
    ap.add_argument("--repeat", type=int, default=3, help="timing passes over the full frames")
    ap.add_argument("--pass-frames", type=int, default=8, help="frames per simulated pass")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--hyperlpr-python", default="/tmp/peer-hyperlpr/bin/python")
    ap.add_argument("--agentclpr-python", default="/tmp/peer-agentclpr/bin/python")
    ap.add_argument("--data", default=str(SHARED))
    args = ap.parse_args()
    if args.worker:
        worker(args)
        return

    data = Path(args.data)
    dev, ev = _labels(data / "plates"), _labels(data / "plates-eval")
    tmp = Path(tempfile.mkdtemp(prefix="plates-bench-"))
    rendered = _rendered(tmp)
    sets = {
        "dev full": dev["full"],
        "eval full": ev["full"],
        "蒙B full (rendered)": rendered["full"],
        "dev crop": dev["crop"],
        "eval crop": ev["crop"],
        "蒙B crop (rendered)": rendered["crop"],
    }
    pythons = {
        "ours": sys.executable,
        "hyperlpr2": args.hyperlpr_python,
        "agentclpr": args.agentclpr_python,
    }
    peers = ["ours"] if args.no_peers else list(PEERS)
    print(f"command: {' '.join([Path(sys.executable).name, '-m', 'bench.plates', *sys.argv[1:]])}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} vCPUs, {cpu_model()}, "
        f"Python {platform.python_version()}, "
        f"load average at start {os.getloadavg()[0]:.2f}"
    )
    results: dict[tuple[str, int], dict[str, Any]] = {}
    for peer in peers:
        for cores in (1, 2):
            manifest = {
                "sets": sets,
                "repeat": args.repeat,
                "pass_frames": args.pass_frames if peer == "ours" and cores == 1 else 0,
            }
            mpath = tmp / f"manifest_{peer}_{cores}.json"
            mpath.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
            cpu_list = "0" if cores == 1 else "0,1"
            path = os.pathsep.join([str(ROOT / "src"), str(ROOT)])  # gangting and bench
            env = dict(os.environ, OMP_NUM_THREADS=str(cores), PYTHONPATH=path)
            cmd = [
                "taskset",
                "-c",
                cpu_list,
                pythons[peer],
                str(Path(__file__).resolve()),
                "--worker",
                peer,
                "--threads",
                str(cores),
                "--manifest",
                str(mpath),
            ]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
            if proc.returncode != 0:
                print(f"{peer} on {cores} core(s) failed:\n{proc.stderr[-2000:]}")
                continue
            results[(peer, cores)] = json.loads(proc.stdout.strip().splitlines()[-1])
            print(
                f"  ran {peer} on {cores} core(s) in {time.perf_counter() - t0:.0f} s", flush=True
            )

    print(
        "\n| pipeline | set | n | exact | exact % | median ms 1 core | p99 ms 1 core"
        " | median ms 2 cores | p99 ms 2 cores |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for peer in peers:
        one, two = results.get((peer, 1)), results.get((peer, 2))
        if one is None:
            continue
        for name, items in sets.items():
            preds = one["sets"][name]["pred"]
            right = sum(
                normalise(p) == label for p, (_, label, _) in zip(preds, items, strict=True)
            )
            ms1 = one["sets"][name]["ms"]
            ms2 = two["sets"][name]["ms"] if two else []
            print(
                f"| {peer} | {name} | {len(items)} | {right} | {100 * right / len(items):.2f} % | "
                f"{_pct(ms1, 50):.1f} | {_pct(ms1, 99):.1f} | "
                f"{_pct(ms2, 50):.1f} | {_pct(ms2, 99):.1f} |"
            )
    print("\n| pipeline | peak RSS 1 core (MB) | RSS after loading (MB) |")
    print("|---|---|---|")
    for peer in peers:
        one = results.get((peer, 1))
        if one:
            print(f"| {peer} | {one['rss_peak_mb']} | {one['rss_loaded_mb']} |")
    ours = results.get(("ours", 1))
    if ours and "passes" in ours:
        print("\nSimulated passes (ours, 1 core): per-vehicle accuracy after voting vs per-frame")
        print("| set | vehicles | right after voting | frames | frames right |")
        print("|---|---|---|---|---|")
        for name, p in ours["passes"].items():
            print(
                f"| {name} | {p['vehicles']} | {p['vehicles_right']} "
                f"({100 * p['vehicles_right'] / p['vehicles']:.1f} %) | "
                f"{p['frames']} | {p['frames_right']} "
                f"({100 * p['frames_right'] / p['frames']:.1f} %) |"
            )
    misses = []
    if ours:
        for name, items in sets.items():
            for p, (path, label, _) in zip(ours["sets"][name]["pred"], items, strict=True):
                if normalise(p) != label:
                    misses.append(f"{name}: {Path(path).name} {label} -> {p or '(none)'}")
    print(f"\nours, misses ({len(misses)}):")
    for m in misses:
        print("  " + m)


if __name__ == "__main__":
    main()
