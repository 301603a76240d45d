"""The demo's simulated camera: vehicles pass (and one in four parks) in front of an empty
road, built from the stills shipped in ``sim_frames/`` (real CCPD photos and 蒙B plates
rendered onto real photos; see ``sim_frames/SOURCE.md``).

A pass is the still shifted and scaled over a few frames, as a car that comes towards the
camera; empty road frames lie between passes, so the motion gate has still frames to skip
and the tracker sees each pass end. A parked vehicle arrives, stands still for a while
(frames identical: no motion) and leaves. The order of the stills follows the seed (the
booth code), so each simulated booth shows its own traffic.

The stills play once (the packaged scene). A looping camera then shows endless traffic
(``Traffic``): each vehicle one of the photos with its plate replaced by a rendered 蒙B
plate (``render.py``), new plates drawn at random, and now and then a plate from the
booth's watch-list copy (the listed vehicles of the demo city driving past), with varied
speed, parking and gaps. A plate comes back to the same camera only after much longer than
the tracker's hold, so every pass is a new read, as on a real road. Without Noto Sans CJK
nothing can be rendered: the packaged scene plays again (its repeats within the tracker's
hold are not reported).
"""

from __future__ import annotations

import csv
import logging
import random
import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from gangting.identification.plates.grammar import is_valid
from gangting.kernel.clock import Clock
from gangting.node.cameras.render import composite, font_path, render_plate
from gangting.node.cameras.sources import Frame, SequenceSource

log = logging.getLogger("gangting.node.cameras")

SIM_DIR = Path(__file__).parent / "sim_frames"


@dataclass(frozen=True)
class Still:
    path: Path
    plate: str  # ground truth
    what: str
    corners: tuple[tuple[float, float], ...] = ()  # the plate's, top-left first, clockwise


@dataclass(frozen=True)
class Shot:
    """One frame of a scene: a still placed on the road, or the empty road (still None);
    ``plate``: the still's plate replaced by this rendered one."""

    still: int | None
    scale: float = 1.0
    dx: float = 0.0
    dy: float = 0.0
    plate: str | None = None


EMPTY = Shot(None)


def packaged_stills(directory: Path = SIM_DIR) -> list[Still]:
    with (directory / "labels.csv").open(encoding="utf-8") as f:
        return [
            Still(directory / r["file"], r["plate"], r["what"], _corners(r.get("corners") or ""))
            for r in csv.DictReader(f)
        ]


def _corners(text: str) -> tuple[tuple[float, float], ...]:
    """``x y;x y;x y;x y`` (labels.csv) as four points."""
    points = tuple(
        (float(x), float(y)) for x, y in (p.split() for p in text.split(";") if p.strip())
    )
    return points if len(points) == 4 else ()


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


_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # plates use neither I nor O
_DIGITS = "0123456789"
_DRAWABLE = re.compile(r"[\u4e00-\u9fff][A-Z][0-9A-Z]{5,6}")  # blue 7 or green 8 characters


def drawable(plate: str) -> bool:
    """A plate ``render_plate`` draws as it is (no 学/警/挂 plates)."""
    return _DRAWABLE.fullmatch(plate) is not None and is_valid(plate)


def random_plate(rng: random.Random) -> str:
    """A 蒙B plate as Baotou's cars carry: mostly five digits or a letter and four digits,
    some new-energy (green, six characters)."""
    while True:
        r = rng.random()
        if r < 0.1:
            serial = rng.choice("DF") + rng.choice(_LETTERS + _DIGITS)
            serial += "".join(rng.choices(_DIGITS, k=4))
        elif r < 0.45:
            serial = "".join(rng.choices(_DIGITS, k=5))
        else:
            serial = rng.choice(_LETTERS) + "".join(rng.choices(_DIGITS, k=4))
        plate = "蒙B" + serial
        if is_valid(plate):
            return plate


def _no_plates() -> Sequence[str]:
    return ()


@dataclass(frozen=True)
class Traffic:
    """Who drives past a looping simulated camera once its packaged scene has played."""

    listed: Callable[[], Sequence[str]] = _no_plates  # the watch-list's plates (booth's copy)
    listed_share: float = 0.1  # of the vehicles; the first one is listed when any are
    park_share: float = 0.15
    gap_s: tuple[float, float, float] = (2.0, 5.0, 20.0)  # empty road: least, mean, most
    again_after: timedelta = timedelta(minutes=20)  # a plate comes back no sooner


class SimulatedCamera(SequenceSource):
    """Plays ``scene`` at ``fps`` (2 by default: the demo reads plates without eating the
    CPU), looping by default: then ``traffic`` (if given, and the font is there) follows
    the scene, else the scene plays again."""

    def __init__(
        self,
        *,
        clock: Clock,
        seed: str = "",
        fps: float = 2.0,
        loop: bool = True,
        stills: list[Still] | None = None,
        shots: list[Shot] | None = None,
        traffic: Traffic | None = None,
    ) -> None:
        self.stills = stills if stills is not None else packaged_stills()
        self.shots = shots if shots is not None else scene(len(self.stills), seed=seed)
        super().__init__(f"sim:{seed}", len(self.shots), fps=fps, clock=clock, loop=loop)
        self.traffic = traffic
        self._images: dict[int, NDArray[np.uint8]] = {}
        self._road: NDArray[np.uint8] | None = None
        self._rng = random.Random(f"{seed}/traffic")
        self._queue: deque[Shot] = deque()
        self._plays = 0
        self._vehicles = 0
        self._seen: dict[str, float] = {}  # plate -> media second of its last pass
        self._rendered: tuple[int, str, NDArray[np.uint8]] | None = None
        self._bases = [i for i, still in enumerate(self.stills) if still.corners]
        self.showing: str | None = None  # the plate in the frame last read (ground truth)
        self.renders = traffic is not None and bool(self._bases) and font_path() is not None
        if traffic is not None and not self.renders and loop:
            log.warning("%s: no Noto Sans CJK to draw plates: the stills play again", self.name)

    def expected_plates(self) -> list[str]:
        """The plates of the vehicles in one play of the scene, in order (ground truth)."""
        plates: list[str] = []
        previous: int | None = None
        for shot in self.shots:
            if shot.still is not None and shot.still != previous:
                plates.append(self.stills[shot.still].plate)
            previous = shot.still
        return plates

    def open(self) -> None:
        super().open()
        self._queue.clear()
        self._plays = 0

    def read(self) -> Frame | None:
        if self._anchor is None:
            return None
        if not self._queue:
            self._queue.extend(self._next_shots())
            if not self._queue:
                self._ended = True
                return None
        at = self._anchor + timedelta(seconds=self._n / self.fps)
        self._n += 1
        shot = self._queue.popleft()
        self.showing = self._plate_of(shot)
        return Frame(self._draw(shot), at, self._n - 1)

    def _plate_of(self, shot: Shot) -> str | None:
        if shot.still is None:
            return None
        return shot.plate or self.stills[shot.still].plate

    # --- what comes next

    def _next_shots(self) -> list[Shot]:
        if self._plays == 0 or (self.loop and not self.renders):
            self._plays += 1
            return list(self.shots)
        return self._vehicle() if self.loop else []

    def _vehicle(self) -> list[Shot]:
        """The next vehicle of ``traffic`` and the empty road after it."""
        assert self.traffic is not None
        traffic, rng = self.traffic, self._rng
        now = self._n / self.fps
        plate = self._plate(now)
        self._seen[plate] = now
        self._vehicles += 1
        base = rng.choice(self._bases)
        if rng.random() < traffic.park_share:
            shots = park_shots(base, stay=rng.randint(8, 24))
        else:
            shots = pass_shots(base, frames=rng.randint(4, 8))  # faster or slower
        least, mean, most = traffic.gap_s
        gap = min(max(rng.expovariate(1 / mean), least), most)
        return [replace(shot, plate=plate) for shot in shots] + [EMPTY] * round(gap * self.fps)

    def _plate(self, now: float) -> str:
        """A listed plate now and then (the first vehicle's when any are listed), else a new
        one; never one this camera saw within ``again_after``."""
        assert self.traffic is not None
        again = self.traffic.again_after.total_seconds()
        self._seen = {p: t for p, t in self._seen.items() if now - t < again}
        if self._vehicles == 0 or self._rng.random() < self.traffic.listed_share:
            listed = sorted(
                {p for p in self.traffic.listed() if p not in self._seen and drawable(p)}
            )
            if listed:
                return self._rng.choice(listed)
        while True:
            plate = random_plate(self._rng)
            if plate not in self._seen:
                return plate

    # --- drawing

    def _still(self, i: int) -> NDArray[np.uint8]:
        if i not in self._images:
            image = cv2.imread(str(self.stills[i].path), cv2.IMREAD_COLOR)
            if image is None:
                raise FileNotFoundError(self.stills[i].path)
            self._images[i] = np.asarray(image, dtype=np.uint8)
        return self._images[i]

    def _with_plate(self, i: int, plate: str) -> NDArray[np.uint8]:
        """Still ``i`` with its plate replaced by ``plate`` (the vehicle now passing)."""
        if self._rendered is None or self._rendered[:2] != (i, plate):
            corners = np.array(self.stills[i].corners, dtype=np.float32)
            image = composite(self._still(i), render_plate(plate, height=140), corners)
            self._rendered = (i, plate, image)
        return self._rendered[2]

    def _image(self, i: int) -> NDArray[np.uint8] | None:
        return self._draw(self.shots[i])

    def _draw(self, shot: Shot) -> NDArray[np.uint8]:
        if self._road is None:
            h, w = self._still(0).shape[:2]
            self._road = road(w, h)
        frame = self._road.copy()
        if shot.still is None:
            return frame
        if shot.plate is None:
            still = self._still(shot.still)
        else:
            still = self._with_plate(shot.still, shot.plate)
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
