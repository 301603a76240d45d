"""A node's cameras: the source each spec names, one worker per camera, started with the
node and stopped (trackers flushed) on its shutdown."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gangting.kernel.clock import Clock
from gangting.node.cameras.simulated import SimulatedCamera, Traffic
from gangting.node.cameras.sinks import PlateReadSink
from gangting.node.cameras.sources import (
    IMAGE_SUFFIXES,
    FrameSource,
    ImageSequenceSource,
    OpenCvSource,
)
from gangting.node.cameras.spec import CameraSpec
from gangting.node.cameras.worker import CameraWorker, FrameReader, SharedReader

log = logging.getLogger("gangting.node.cameras")

SIM_FPS = 2.0
SEQUENCE_FPS = 5.0


def make_source(
    spec: CameraSpec,
    *,
    clock: Clock,
    booth_code: str,
    listed: Callable[[], Sequence[str]] | None = None,
) -> FrameSource:
    """The source a spec names: ``sim[:seed]``, a device index, a stream URL, a folder of
    images, an image, or a video file. ``listed``: the watch-list's plates, which the
    simulated camera's traffic includes now and then."""
    target = spec.source.strip()
    if target == "sim" or target.startswith("sim:"):
        seed = target[4:] or f"{booth_code}/{spec.id}"
        loop = True if spec.loop is None else spec.loop
        traffic = Traffic(listed=listed) if listed is not None else Traffic()
        return SimulatedCamera(
            clock=clock, seed=seed, fps=spec.fps or SIM_FPS, loop=loop, traffic=traffic
        )
    if target.isdigit():
        return OpenCvSource(int(target), clock=clock, live=True)
    if "://" in target:
        return OpenCvSource(target, clock=clock, live=True)
    path = Path(target)
    if path.is_dir() or path.suffix.lower() in IMAGE_SUFFIXES:
        images = path if path.is_dir() else [path]
        fps = spec.fps or SEQUENCE_FPS
        return ImageSequenceSource(images, fps=fps, clock=clock, loop=bool(spec.loop))
    return OpenCvSource(target, clock=clock, live=False, loop=bool(spec.loop))


class Cameras:
    """The node's camera workers. They share one plate reader (loaded on first use)."""

    def __init__(self, workers: list[CameraWorker]) -> None:
        self.workers = workers

    @classmethod
    def from_specs(
        cls,
        specs: list[CameraSpec],
        *,
        booth_code: str,
        sink: PlateReadSink,
        clock: Clock,
        reader: FrameReader | None = None,
        listed: Callable[[], Sequence[str]] | None = None,
    ) -> Cameras:
        shared = reader if isinstance(reader, SharedReader) else SharedReader(reader)
        workers = [
            CameraWorker(
                spec,
                make_source(spec, clock=clock, booth_code=booth_code, listed=listed),
                shared,
                sink,
                booth_code=booth_code,
            )
            for spec in specs
        ]
        return cls(workers)

    def start(self) -> None:
        for worker in self.workers:
            log.info("camera %s: %s", worker.spec.id, worker.source.name)
            worker.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop every worker (all asked at once, then waited for)."""
        for worker in self.workers:
            worker.request_stop()
        for worker in self.workers:
            if not worker.join(timeout_s):
                log.warning("camera %s did not stop within %.0f s", worker.spec.id, timeout_s)

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait for finite sources to play to their end (tests, tools)."""
        return all(worker.join(timeout_s) for worker in self.workers)

    def status(self) -> list[dict[str, Any]]:
        return [
            {"camera": w.spec.id, "source": w.source.name, **vars(w.stats)} for w in self.workers
        ]
