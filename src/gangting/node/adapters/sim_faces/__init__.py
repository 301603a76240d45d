"""Face photos of the simulated booth hardware: ID-card chip photos and a live camera scene.

SIMULATOR ONLY. Five public people from the MIT-licensed sample photos of
``ageitgey/face_recognition`` (see ``SOURCE.md`` here): for each, ``<person>_chip.jpg`` is
what a second-generation ID card's chip holds (a 102x126 head-and-shoulders crop of one
photo, JPEG quality 40, made like ``tests/identification/faces/idphoto.py``) and
``<person>_live.jpg`` is a *different* photo of the same person, cropped to a 640x480
camera frame. ``faces.json`` holds each live photo's dlib 5-point landmarks and the warp
angle that turns it to face the camera; ``tests/node/make_sim_faces.py`` made all of them.

``turn_head`` synthesises a head turn from one photo, so the real landmark-based liveness
code sees a face turning: every pixel moves sideways by ``depth * sin(yaw)``, where the
depth is a smooth head (a Gaussian bump) plus a nose (a smaller, sharper bump). The nose
moves further than the eyes, which is exactly what a real turn does to the landmarks (see
``identification/faces/geometry.py``). It is a picture trick for the demo and the tests,
not a model of a real face, and it is never used outside the simulator.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

HERE = Path(__file__).resolve().parent
Image = NDArray[np.uint8]
Point = tuple[float, float]
Landmarks5 = tuple[Point, Point, Point, Point, Point]

# Depth model, in units of half the eye-centre distance ``e``: a head bump (height, sigma
# across, sigma down, centre below the eye line) and a nose bump (height, sigma across,
# sigma down, centre at this fraction of the way from the eye midpoint to the nose base).
HEAD = (2.0, 1.6, 2.4, 0.9)
NOSE = (0.6, 0.45, 0.7, 0.75)


@dataclass(frozen=True)
class SimPerson:
    """One simulated person: the chip photo (JPEG bytes) and the live camera frame."""

    key: str
    chip_file: str
    live_file: str
    landmarks: Landmarks5  # of the live frame (dlib 5-point)
    frontal_warp_deg: float  # turn_head angle that makes the live frame face the camera

    def chip_photo(self) -> bytes:
        return (HERE / self.chip_file).read_bytes()

    def live_frame(self) -> Image:
        img = cv2.imread(str(HERE / self.live_file), cv2.IMREAD_COLOR)
        if img is None:
            raise FileNotFoundError(self.live_file)
        return np.asarray(img, dtype=np.uint8)


@cache
def people() -> tuple[SimPerson, ...]:
    """The packaged people, in a fixed order."""
    raw = json.loads((HERE / "faces.json").read_text(encoding="utf-8"))
    out: list[SimPerson] = []
    for p in raw["people"]:
        lm = [(float(x), float(y)) for x, y in p["landmarks"]]
        out.append(
            SimPerson(
                key=str(p["key"]),
                chip_file=str(p["chip"]),
                live_file=str(p["live"]),
                landmarks=(lm[0], lm[1], lm[2], lm[3], lm[4]),
                frontal_warp_deg=float(p["frontal_warp_deg"]),
            )
        )
    return tuple(out)


def person_for(id_number: str) -> SimPerson:
    """The simulated face of a card holder: a stable pick by the ID number."""
    everyone = people()
    return everyone[zlib.crc32(id_number.encode()) % len(everyone)]


def someone_else(person: SimPerson) -> SimPerson:
    """Another person (the impostor scene): the next one in the list."""
    everyone = people()
    return everyone[(everyone.index(person) + 1) % len(everyone)]


def _eyes_and_nose(landmarks: tuple[Point, ...]) -> tuple[float, float, float, Point]:
    right = ((landmarks[0][0] + landmarks[1][0]) / 2, (landmarks[0][1] + landmarks[1][1]) / 2)
    left = ((landmarks[2][0] + landmarks[3][0]) / 2, (landmarks[2][1] + landmarks[3][1]) / 2)
    mx, my = (right[0] + left[0]) / 2, (right[1] + left[1]) / 2
    e = math.hypot(right[0] - left[0], right[1] - left[1]) / 2
    return mx, my, e, landmarks[4]


def _bump(
    xs: NDArray[np.float32],
    ys: NDArray[np.float32],
    centre: Point,
    sigma: Point,
) -> NDArray[np.float32]:
    """A 2-D Gaussian of height 1 at ``centre`` with ``sigma`` (x, y)."""
    gx = (xs - centre[0]) / sigma[0]
    gy = (ys - centre[1]) / sigma[1]
    out: NDArray[np.float32] = np.exp(-(gx * gx + gy * gy) / 2)
    return out


def turn_head(
    image: Image,
    landmarks: Landmarks5,
    yaw_deg: float,
    *,
    shift: tuple[float, float] = (0.0, 0.0),
) -> Image:
    """The photo with its head turned by about ``yaw_deg`` (+: nose towards the image's
    right), and moved by ``shift`` pixels (a person never stands perfectly still).

    Inverse mapping: for each output pixel find the source x with
    ``x + depth(x, y) * sin(yaw) = u`` by fixed-point iteration (the depth is smooth and
    its slope times sin(yaw) stays below 1, so it converges and nothing folds over).
    """
    h, w = image.shape[:2]
    mx, my, e, (nx, ny) = _eyes_and_nose(landmarks)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    head_h, head_sx, head_sy, head_dy = HEAD
    nose_h, nose_sx, nose_sy, nose_at = NOSE
    hx, hy = mx, my + head_dy * e
    tx, ty = mx + nose_at * (nx - mx), my + nose_at * (ny - my)
    depth = head_h * e * _bump(xs, ys, (hx, hy), (head_sx * e, head_sy * e))
    depth += nose_h * e * _bump(xs, ys, (tx, ty), (nose_sx * e, nose_sy * e))
    depth = depth.astype(np.float32)
    s = math.sin(math.radians(yaw_deg))
    map_x = xs - np.float32(shift[0])
    map_y = ys - np.float32(shift[1])
    base_x = map_x.copy()
    for _ in range(6):
        z = cv2.remap(depth, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        map_x = base_x - z * np.float32(s)
    out = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(out, dtype=np.uint8)


def empty_scene(image: Image) -> Image:
    """The booth's camera view with nobody in front of it: the scene, heavily blurred so
    no face is left in it."""
    return np.asarray(cv2.GaussianBlur(image, (0, 0), sigmaX=25), dtype=np.uint8)
