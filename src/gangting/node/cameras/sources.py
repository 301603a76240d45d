"""Frame sources: a network stream, a device or a video file (OpenCV), a sequence of
images, and (``simulated.py``) the demo's simulated camera.

A source is opened, read frame by frame, and closed. ``read`` answers ``None`` when the
stream dropped (a live camera: the worker reconnects with backoff) or, for a file or an
image sequence, when it played to its end (``ended``; with ``loop`` it starts again).
Every frame carries the instant it shows: the injected clock's time for a live camera,
the open time plus the media time for files and sequences (so a file played faster than
real time, as in tests, still has the right timing).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from gangting.kernel.clock import Clock

log = logging.getLogger("gangting.node.cameras")

VIDEO_SUFFIXES = {".mp4", ".avi", ".mkv", ".mov", ".m4v", ".ts", ".webm", ".mjpeg", ".mjpg"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


class SourceUnavailable(Exception):
    """The source cannot be opened (camera unplugged, stream down, file missing)."""


@dataclass(frozen=True)
class Frame:
    image: NDArray[np.uint8]  # BGR
    at: datetime  # aware UTC instant the frame shows
    index: int  # frames delivered since the source was opened


class FrameSource(Protocol):
    name: str
    live: bool  # frames arrive in real time (camera, stream); else a file or a sequence
    fps: float  # the source's own frame rate (a live camera's nominal rate)

    def open(self) -> None:
        """Open (or reopen) the source; raises SourceUnavailable."""
        ...

    def read(self) -> Frame | None:
        """The next frame; None when the stream dropped or the file ended."""
        ...

    @property
    def ended(self) -> bool:
        """A finite source (file, sequence, no loop) played to its end: do not reconnect."""
        ...

    def close(self) -> None: ...


class OpenCvSource:
    """An RTSP/HTTP stream, a device index or a video file through ``cv2.VideoCapture``."""

    def __init__(
        self,
        target: str | int,
        *,
        clock: Clock,
        live: bool,
        loop: bool = False,
        timeout_s: float = 5.0,
    ) -> None:
        self.target = target
        self.name = _redact(str(target))
        self.live = live
        self.loop = loop and not live
        self.fps = 25.0
        self._clock = clock
        self._timeout_ms = int(timeout_s * 1000)
        self._cap: cv2.VideoCapture | None = None
        self._anchor: datetime | None = None
        self._n = 0
        self._ended = False

    def open(self) -> None:
        self.close()
        if isinstance(self.target, int):
            cap = cv2.VideoCapture(self.target)
        else:
            if not self.live and not Path(self.target).is_file():
                raise SourceUnavailable(f"no such video file: {self.name}")
            params = [
                cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
                self._timeout_ms,
                cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                self._timeout_ms,
            ]
            cap = cv2.VideoCapture(self.target, cv2.CAP_FFMPEG, params)
        if not cap.isOpened():
            cap.release()
            raise SourceUnavailable(f"cannot open {self.name}")
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 0.5 <= fps <= 120 else 25.0
        self._cap = cap
        self._anchor = self._clock.now()
        self._n = 0
        self._ended = False

    def read(self) -> Frame | None:
        if self._cap is None:
            return None
        ok, image = self._cap.read()
        if not ok and self.loop and self._n > 0:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)  # play again; time runs on
            ok, image = self._cap.read()
        if not ok or image is None:
            self._ended = not self.live
            return None
        if self.live:
            at = self._clock.now()
        else:
            assert self._anchor is not None
            at = self._anchor + timedelta(seconds=self._n / self.fps)
        frame = Frame(np.ascontiguousarray(image, dtype=np.uint8), at, self._n)
        self._n += 1
        return frame

    @property
    def ended(self) -> bool:
        return self._ended

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class SequenceSource:
    """Frames made one at a time by ``_image(i)``, played at ``fps``: the base of the image
    sequence and the simulated camera."""

    live = False

    def __init__(self, name: str, length: int, *, fps: float, clock: Clock, loop: bool) -> None:
        if fps <= 0:
            raise ValueError("fps must be positive")
        self.name = name
        self.fps = fps
        self.loop = loop
        self._length = length
        self._clock = clock
        self._anchor: datetime | None = None
        self._n = 0
        self._ended = False

    def _image(self, i: int) -> NDArray[np.uint8] | None:
        raise NotImplementedError

    def open(self) -> None:
        if self._length == 0:
            raise SourceUnavailable(f"{self.name}: no frames")
        self._anchor = self._clock.now()
        self._n = 0
        self._ended = False

    def read(self) -> Frame | None:
        if self._anchor is None:
            return None
        for _ in range(self._length):  # skip unreadable images, not forever
            if self._n >= self._length and not self.loop:
                break
            image = self._image(self._n % self._length)
            at = self._anchor + timedelta(seconds=self._n / self.fps)
            self._n += 1
            if image is not None:
                return Frame(image, at, self._n - 1)
        self._ended = True
        return None

    @property
    def ended(self) -> bool:
        return self._ended

    def close(self) -> None:
        self._anchor = None


class ImageSequenceSource(SequenceSource):
    """Image files played as a video at ``fps`` (a folder in name order, or a list)."""

    def __init__(
        self,
        images: Path | Sequence[Path],
        *,
        fps: float = 5.0,
        clock: Clock,
        loop: bool = False,
    ) -> None:
        if isinstance(images, Path):
            name = str(images)
            paths = sorted(p for p in images.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            paths = list(images)
            name = f"{len(paths)} images"
        super().__init__(name, len(paths), fps=fps, clock=clock, loop=loop)
        self.paths = paths

    def _image(self, i: int) -> NDArray[np.uint8] | None:
        image = cv2.imread(str(self.paths[i]), cv2.IMREAD_COLOR)
        if image is None:
            log.warning("camera sequence: cannot read %s, skipped", self.paths[i])
            return None
        return np.asarray(image, dtype=np.uint8)


def _redact(target: str) -> str:
    """A stream URL without its password (rtsp://user:pass@host/…), for logs."""
    if "://" in target and "@" in target.split("://", 1)[1].split("/", 1)[0]:
        scheme, rest = target.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return target
