"""The demo's simulated camera: vehicles pass (and one in four parks) in front of an empty
road, built from the stills shipped in ``sim_frames/`` (real CCPD photos and 蒙B plates
rendered onto real photos; see ``sim_frames/SOURCE.md``).

A pass is the still shifted and scaled over a few frames, as a car that comes towards the
camera; empty road frames lie between passes, so the motion gate has still frames to skip
and the tracker sees each pass end. A parked vehicle arrives, stands still for a while
(frames identical: no motion) and leaves. The order of the stills follows the seed (the
booth code), so each simulated booth shows its own traffic.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from gangting.kernel.clock import Clock
from gangting.node.cameras.sources import SequenceSource

SIM_DIR = Path(__file__).parent / "sim_frames"


@dataclass(frozen=True)
class Still:
    path: Path
    plate: str  # ground truth
    what: str


@dataclass(frozen=True)
class Shot:
    """One frame of a scene: a still placed on the road, or the empty road (still None)."""

    still: int | None
    scale: float = 1.0
    dx: float = 0.0
    dy: float = 0.0


EMPTY = Shot(None)


def packaged_stills(directory: Path = SIM_DIR) -> list[Still]:
    with (directory / "labels.csv").open(encoding="utf-8") as f:
        return [Still(directory / r["file"], r["plate"], r["what"]) for r in csv.DictReader(f)]


def pass_shots(still: int, frames: int = 6) -> list[Shot]:
    """A car coming towards the camera: smaller and higher in the frame, then larger."""
    steps = max(frames - 1, 1)
    return [
        Shot(still, 0.80 + 0.25 * i / steps, -30 + 50 * i / steps, -120 + 200 * i / steps)
        for i in range(frames)
    ]


def park_shots(still: int, stay: int = 16) -> list[Shot]:
    """A car that drives up, stands still for ``stay`` frames, and leaves."""
    arrive = pass_shots(still, 4)
    return arrive + [arrive[-1]] * stay + [Shot(still, 1.05, 120, 60)]


def scene(n_stills: int, *, seed: str, empty: int = 6, park_every: int = 4) -> list[Shot]:
    """Every still once, in the seed's order: passes with ``empty`` road frames after each;
    every ``park_every``-th vehicle parks instead of passing."""
    order = list(range(n_stills))
    random.Random(seed).shuffle(order)
    shots: list[Shot] = []
    for n, still in enumerate(order):
        parks = park_every > 0 and n % park_every == park_every - 1
        shots += park_shots(still) if parks else pass_shots(still)
        shots += [EMPTY] * empty
    return shots


def road(width: int, height: int) -> NDArray[np.uint8]:
    """An empty grey road with lane markings (deterministic)."""
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    grey = (70 + 60 * y).repeat(width, axis=1)
    img = np.dstack([grey, grey, grey + 4]).clip(0, 255).astype(np.uint8)
    for x in (width // 3, 2 * width // 3):
        for y0 in range(0, height, 160):
            cv2.line(img, (x, y0), (x, y0 + 80), (200, 200, 200), 6)
    return img


class SimulatedCamera(SequenceSource):
    """Plays ``scene`` at ``fps`` (2 by default: the demo reads plates without eating the
    CPU), looping by default."""

    def __init__(
        self,
        *,
        clock: Clock,
        seed: str = "",
        fps: float = 2.0,
        loop: bool = True,
        stills: list[Still] | None = None,
        shots: list[Shot] | None = None,
    ) -> None:
        self.stills = stills if stills is not None else packaged_stills()
        self.shots = shots if shots is not None else scene(len(self.stills), seed=seed)
        super().__init__(f"sim:{seed}", len(self.shots), fps=fps, clock=clock, loop=loop)
        self._images: dict[int, NDArray[np.uint8]] = {}
        self._road: NDArray[np.uint8] | None = None

    def expected_plates(self) -> list[str]:
        """The plates of the vehicles in one play of the scene, in order (ground truth)."""
        plates: list[str] = []
        previous: int | None = None
        for shot in self.shots:
            if shot.still is not None and shot.still != previous:
                plates.append(self.stills[shot.still].plate)
            previous = shot.still
        return plates

    def _still(self, i: int) -> NDArray[np.uint8]:
        if i not in self._images:
            image = cv2.imread(str(self.stills[i].path), cv2.IMREAD_COLOR)
            if image is None:
                raise FileNotFoundError(self.stills[i].path)
            self._images[i] = np.asarray(image, dtype=np.uint8)
        return self._images[i]

    def _image(self, i: int) -> NDArray[np.uint8] | None:
        shot = self.shots[i]
        if self._road is None:
            h, w = self._still(0).shape[:2]
            self._road = road(w, h)
        frame = self._road.copy()
        if shot.still is None:
            return frame
        still = self._still(shot.still)
        h, w = frame.shape[:2]
        sh, sw = still.shape[:2]
        s = shot.scale * min(w / sw, h / sh)
        m = np.array(
            [[s, 0, (w - s * sw) / 2 + shot.dx], [0, s, (h - s * sh) / 2 + shot.dy]],
            dtype=np.float32,
        )
        cv2.warpAffine(
            still, m, (w, h), dst=frame, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT
        )
        return frame
