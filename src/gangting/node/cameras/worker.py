"""The camera worker: one thread per camera that reads frames, gates them by motion, reads
plates, tracks each vehicle over its frames and emits one plate-read event per pass.

    frame -> MotionGate -> (moved, first, periodic or follow-up?) PlateReader -> PlateTracker
          -> VehicleRead -> PlateReadEvent (+ evidence crop) -> sink

When nothing moves the plate reader is skipped, except: the first frame of a stream, one
frame every ``periodic_s``, and ``follow_frames`` more frames after a read (not itself a
follow-up) that found a plate, so that a vehicle standing still is read often enough for
the tracker to vote on it, once, and is then left alone (the tracker does not report it
again while it stays). A dropped stream is reopened with exponential backoff; a finite
file ends the worker. Stopping flushes the tracker, so a pass in progress is not lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from gangting.identification.plates import PlateRead, PlateReader, PlateTracker, VehicleRead
from gangting.identification.plates.colour import plate_type
from gangting.identification.plates.tracker import similarity
from gangting.kernel.ids import new_id
from gangting.node.cameras.evidence import crop_around, evidence_b64
from gangting.node.cameras.gate import MotionGate
from gangting.node.cameras.sinks import PlateReadSink
from gangting.node.cameras.sources import Frame, FrameSource, SourceUnavailable
from gangting.node.cameras.spec import CameraSpec
from gangting.plate_reads.schemas import PlateReadEvent

log = logging.getLogger("gangting.node.cameras")

EVIDENCE_KEPT = timedelta(seconds=60)


class FrameReader(Protocol):
    def read_frame(self, frame: NDArray[np.uint8]) -> list[PlateRead]: ...


class SharedReader:
    """One plate reader for all of a node's cameras, loaded on first use (not at node
    start); reads take turns, so the cameras never take more than one core between them
    and the kiosk keeps the other."""

    def __init__(self, reader: FrameReader | None = None) -> None:
        self._reader = reader
        self._lock = threading.Lock()

    def read_frame(self, frame: NDArray[np.uint8]) -> list[PlateRead]:
        with self._lock:
            if self._reader is None:
                self._reader = PlateReader()
            return self._reader.read_frame(frame)


@dataclass(frozen=True)
class ReadPolicy:
    periodic_s: float = 10.0  # read at least this often even when nothing moves
    follow_frames: int = 2  # after a read that found a plate, read this many more frames


@dataclass(frozen=True)
class Backoff:
    initial_s: float = 0.5
    max_s: float = 30.0


@dataclass
class WorkerStats:
    """Counters for status pages and the per-frame cost (seconds summed over frames)."""

    state: str = "new"  # new | connecting | running | reconnecting | ended | stopped
    frames: int = 0  # frames looked at by the gate
    decimated: int = 0  # frames dropped by the fps limit before the gate
    read: int = 0  # frames the plate reader ran on
    skipped: int = 0  # frames the gate let go unread
    events: int = 0
    drops: int = 0  # failed opens and dropped streams
    errors: int = 0
    gate_s: float = 0.0
    read_s: float = 0.0  # plate reader + tracker + evidence, on read frames
    skip_s: float = 0.0  # tracker on skipped frames
    last_error: str | None = None


@dataclass(frozen=True)
class _Evidence:
    at: datetime
    read: PlateRead
    crop: NDArray[np.uint8] = field(repr=False)


class CameraWorker:
    def __init__(
        self,
        spec: CameraSpec,
        source: FrameSource,
        reader: FrameReader,
        sink: PlateReadSink,
        *,
        booth_code: str,
        gate: MotionGate | None = None,
        tracker: PlateTracker | None = None,
        policy: ReadPolicy | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.spec = spec
        self.source = source
        self.reader = reader
        self.sink = sink
        self.booth_code = booth_code
        self.gate = gate or MotionGate()
        self.tracker = tracker or PlateTracker()
        self.policy = policy or ReadPolicy()
        self.backoff = backoff or Backoff()
        self.stats = WorkerStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._evidence: deque[_Evidence] = deque(maxlen=128)
        self._last_read_at: datetime | None = None
        self._follow = 0
        self._next_due: datetime | None = None
        self._last_at: datetime | None = None
        self._frame_size: tuple[int, int] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self.run, name=f"camera-{self.spec.id}", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Ask the worker to stop and wait for it; False when it is still stuck (a read
        blocked on a dead stream: the thread is a daemon and dies with the process)."""
        self.request_stop()
        return self.join(timeout_s)

    def request_stop(self) -> None:
        self._stop.set()

    def join(self, timeout_s: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout_s)
            return not self._thread.is_alive()
        return True

    def run(self) -> None:
        """The worker's loop (in its thread, or called directly): open, read, process;
        reconnect with backoff when the stream drops; flush the tracker at the end."""
        delay = self.backoff.initial_s
        try:
            while not self._stop.is_set():
                self.stats.state = "connecting"
                try:
                    self.source.open()
                except Exception as exc:  # SourceUnavailable, or a driver's own error
                    why = str(exc) if isinstance(exc, SourceUnavailable) else repr(exc)
                    self._dropped(why, delay)
                    delay = min(self.backoff.max_s, delay * 2)
                    continue
                self.gate.reset()  # a new stream: its first frame is read
                self.stats.state = "running"
                got = self._play()
                self.source.close()
                if got:
                    delay = self.backoff.initial_s
                if self._stop.is_set():
                    break
                if self.source.ended:
                    self.stats.state = "ended"
                    break
                self._dropped("stream dropped", delay)
                delay = min(self.backoff.max_s, delay * 2)
        finally:
            self.source.close()
            self.flush()
            if self.stats.state != "ended":
                self.stats.state = "stopped"

    def _dropped(self, why: str, delay: float) -> None:
        self.stats.drops += 1
        self.stats.last_error = why
        self.stats.state = "reconnecting"
        log.warning("camera %s: %s; trying again in %.1f s", self.spec.id, why, delay)
        self._stop.wait(delay)

    def _play(self) -> bool:
        """Read until the stream drops, ends or the worker stops; True if a frame came."""
        pace = self.spec.realtime and not self.source.live
        wall0: float | None = None
        media0: datetime | None = None
        got = False
        while not self._stop.is_set():
            frame = self.source.read()
            if frame is None:
                return got
            got = True
            if pace:
                if wall0 is None or media0 is None:
                    wall0, media0 = time.monotonic(), frame.at
                ahead = (frame.at - media0).total_seconds() - (time.monotonic() - wall0)
                if ahead > 0 and self._stop.wait(ahead):
                    return got
                if ahead < -5:  # far behind (a slow machine): resync rather than rush
                    wall0, media0 = time.monotonic(), frame.at
            if self._decimated(frame):
                continue
            try:
                self.process(frame)
            except Exception as exc:  # one bad frame must not end the camera
                self.stats.errors += 1
                self.stats.last_error = type(exc).__name__
                log.exception("camera %s: frame %d", self.spec.id, frame.index)
        return got

    def _decimated(self, frame: Frame) -> bool:
        """Drop frames above the spec's fps (a 25 fps stream looked at twice a second)."""
        fps = self.spec.fps
        if fps is None or fps >= self.source.fps:
            return False
        if self._next_due is not None and frame.at < self._next_due:
            self.stats.decimated += 1
            return True
        # a tenth of the source's own frame period as slack against timing jitter
        step = 1.0 / fps - 0.1 / self.source.fps
        self._next_due = frame.at + timedelta(seconds=step)
        return False

    # -- one frame -------------------------------------------------------------------------

    def process(self, frame: Frame) -> list[PlateReadEvent]:
        """One frame through gate -> reader -> tracker; emits and returns the events."""
        image = frame.image
        self._frame_size = (int(image.shape[1]), int(image.shape[0]))
        self._last_at = frame.at
        self.stats.frames += 1
        t0 = time.perf_counter()
        moved = self.gate.moved(image)
        t1 = time.perf_counter()
        self.stats.gate_s += t1 - t0
        reason = self._why_read(moved, frame.at)
        reads: list[PlateRead] = []
        if reason is not None:
            reads = self.reader.read_frame(image)
            self.stats.read += 1
            self._last_read_at = frame.at
            if reason == "follow":
                self._follow -= 1
            else:
                self._follow = self.policy.follow_frames if reads else 0
            for read in reads:
                if read.box is not None:
                    self._evidence.append(_Evidence(frame.at, read, crop_around(image, read.box)))
        else:
            self.stats.skipped += 1
        passes = self.tracker.update(reads, frame.at)
        events = self._emit(passes)
        while self._evidence and self._evidence[0].at < frame.at - EVIDENCE_KEPT:
            self._evidence.popleft()
        spent = time.perf_counter() - t1
        if reason is None:
            self.stats.skip_s += spent
        else:
            self.stats.read_s += spent
        return events

    def _why_read(self, moved: bool, at: datetime) -> str | None:
        if self._last_read_at is None:
            return "first"
        if moved:
            return "motion"
        if self._follow > 0:
            return "follow"
        if (at - self._last_read_at).total_seconds() >= self.policy.periodic_s:
            return "periodic"
        return None

    def flush(self) -> list[PlateReadEvent]:
        """Close every open track (end of stream, node shutdown) and emit its pass."""
        if self._last_at is None:
            return []
        return self._emit(self.tracker.flush(self._last_at))

    def _emit(self, passes: list[VehicleRead]) -> list[PlateReadEvent]:
        events: list[PlateReadEvent] = []
        for vehicle in passes:
            try:
                event = self._event(vehicle)
            except ValidationError as exc:
                self.stats.errors += 1
                log.warning("camera %s: read not sent: %s", self.spec.id, exc.errors()[:1])
                continue
            self.sink.emit(event)
            self.stats.events += 1
            events.append(event)
        return events

    def _event(self, vehicle: VehicleRead) -> PlateReadEvent:
        best = self._best_evidence(vehicle)
        return PlateReadEvent(
            event_id=new_id(),
            booth=self.booth_code,
            camera=self.spec.id,
            plate=vehicle.plate,
            colour=vehicle.colour.value,
            plate_type=plate_type(vehicle.colour, vehicle.plate).value,
            confidence=min(1.0, max(0.0, vehicle.confidence)),
            char_confidences=[min(1.0, max(0.0, c)) for c in vehicle.char_confidences],
            frames=vehicle.frames,
            agreeing=vehicle.agreeing,
            first_seen_at=vehicle.first_seen,
            last_seen_at=vehicle.last_seen,
            box=best.read.box if best is not None else None,
            frame_size=self._frame_size,
            evidence_jpeg_b64=evidence_b64(best.crop) if best is not None else None,
        )

    def _best_evidence(self, vehicle: VehicleRead) -> _Evidence | None:
        """The clearest frame of this pass: the read closest to the voted plate, then the
        most confident."""
        seen = [e for e in self._evidence if vehicle.first_seen <= e.at <= vehicle.last_seen]
        if not seen:
            return None
        return max(seen, key=lambda e: (similarity(e.read.plate, vehicle.plate), e.read.confidence))
