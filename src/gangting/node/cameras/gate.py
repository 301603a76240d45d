"""The motion gate: cheap frame differencing on a small grey copy of each frame, so the
plate reader (tens of ms a frame) runs only when something in view moves.

Each frame is shrunk to ``width`` pixels wide, turned grey and blurred (sensor noise and
JPEG blocks must not count as motion), then compared with the previous frame: the share
of pixels that changed by more than ``pixel_threshold`` grey levels is the motion. A
frame "moved" when that share reaches ``area_threshold``. The first frame after a
(re)start always counts as moved, so what is already in view gets read once.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray


class MotionGate:
    def __init__(
        self, *, width: int = 160, pixel_threshold: int = 25, area_threshold: float = 0.004
    ) -> None:
        if width < 8 or not 0 < pixel_threshold < 256 or not 0 < area_threshold <= 1:
            raise ValueError("motion gate: width >= 8, 0 < pixel_threshold < 256, 0 < area <= 1")
        self.width = width
        self.pixel_threshold = pixel_threshold
        self.area_threshold = area_threshold
        self._previous: NDArray[np.uint8] | None = None
        self.last_motion = 0.0  # share of changed pixels in the last frame looked at

    def reset(self) -> None:
        """Forget the previous frame (a new stream): the next frame counts as moved."""
        self._previous = None

    def small(self, frame: NDArray[np.uint8]) -> NDArray[np.uint8]:
        h, w = frame.shape[:2]
        size = (self.width, max(1, round(h * self.width / w)))
        # Nearest-neighbour shrink then blur: a few times cheaper than INTER_AREA on a full
        # frame, and the blur restores what averaging would have smoothed.
        shrunk = cv2.resize(frame, size, interpolation=cv2.INTER_NEAREST)
        grey = cv2.cvtColor(shrunk, cv2.COLOR_BGR2GRAY) if shrunk.ndim == 3 else shrunk
        return np.asarray(cv2.GaussianBlur(grey, (5, 5), 0), dtype=np.uint8)

    def motion(self, frame: NDArray[np.uint8]) -> float:
        """The share of pixels (0..1) that changed since the previous frame; 1.0 for the
        first frame or when the frame size changed."""
        current = self.small(frame)
        previous, self._previous = self._previous, current
        if previous is None or previous.shape != current.shape:
            self.last_motion = 1.0
        else:
            changed = cv2.absdiff(current, previous) > self.pixel_threshold
            self.last_motion = float(np.count_nonzero(changed)) / changed.size
        return self.last_motion

    def moved(self, frame: NDArray[np.uint8]) -> bool:
        return self.motion(frame) >= self.area_threshold
