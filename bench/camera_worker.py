"""Camera-worker cost per frame: the packaged simulated camera's scene (11 vehicles, two of
them parked, empty road between passes; 162 frames of 720x1160) through the worker with
the real plate reader (1 thread), as fast as it goes.

    .venv/bin/python -m bench.camera_worker            # ~10 s on 2 vCPUs
    .venv/bin/python -m bench.camera_worker --loops 3  # the scene three times

Reports ms per frame for frames the motion gate let go unread (gate + tracker) and for
frames the plate reader ran on (gate + reader + tracker + evidence crop), the share of
frames read, and the cost of making the frames (decoding/drawing: the source, not the
worker). Also the gate's shrink with INTER_NEAREST (used) against INTER_AREA.
"""

from __future__ import annotations

import argparse
import statistics
import time

import cv2
import numpy as np

from bench.machine import cpu_model
from gangting.identification.plates import PlateReader
from gangting.kernel.clock import SystemClock
from gangting.node.cameras.manager import make_source
from gangting.node.cameras.sinks import MemorySink
from gangting.node.cameras.sources import Frame
from gangting.node.cameras.spec import CameraSpec
from gangting.node.cameras.worker import CameraWorker


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loops", type=int, default=1)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    spec = CameraSpec(id="bench", source="sim:bench", realtime=False, loop=False)
    reader = PlateReader(threads=1)
    sink = MemorySink()
    frames: list[Frame] = []
    source_ms: list[float] = []
    for _ in range(args.loops):
        source = make_source(spec, clock=SystemClock(), booth_code="BENCH")
        source.open()
        while True:
            t = time.perf_counter()
            frame = source.read()
            if frame is None:
                break
            source_ms.append((time.perf_counter() - t) * 1000)
            frames.append(frame)
    worker = CameraWorker(spec, source, reader, sink, booth_code="BENCH")
    reader.read_frame(frames[0].image)  # warm the sessions
    skipped_ms: list[float] = []
    read_ms: list[float] = []
    for frame in frames:
        before = worker.stats.read
        t = time.perf_counter()
        worker.process(frame)
        ms = (time.perf_counter() - t) * 1000
        (read_ms if worker.stats.read > before else skipped_ms).append(ms)
    worker.flush()

    image = frames[0].image
    nearest, area = [], []
    for _ in range(200):
        t = time.perf_counter()
        worker.gate.small(image)
        nearest.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        grey = cv2.cvtColor(cv2.resize(image, (160, 258), interpolation=cv2.INTER_AREA), 6)
        np.asarray(cv2.GaussianBlur(grey, (5, 5), 0))
        area.append((time.perf_counter() - t) * 1000)

    n = len(frames)
    print(f"camera worker, {cpu_model()}, plate reader 1 thread, {n} frames 720x1160")
    print(f"events {len(sink.events)} (vehicles in the scene {args.loops * 11})")
    print(f"frames read {len(read_ms)} ({100 * len(read_ms) / n:.0f} %), skipped {len(skipped_ms)}")
    for name, values in (("skipped frame", skipped_ms), ("read frame", read_ms)):
        print(
            f"{name:>14}: median {statistics.median(values):6.2f} ms, "
            f"p99 {_pct(values, 0.99):6.2f} ms"
        )
    mean = (sum(skipped_ms) + sum(read_ms)) / n
    print(f"{'all frames':>14}: mean {mean:6.2f} ms -> {1000 / mean:.0f} fps on one core")
    print(
        f"{'gate shrink':>14}: nearest+blur {statistics.median(nearest):.2f} ms, "
        f"area+blur {statistics.median(area):.2f} ms"
    )
    print(f"{'source frame':>14}: median {statistics.median(source_ms):.2f} ms (drawing the sim)")


if __name__ == "__main__":
    main()
