"""Pure face geometry: descriptor distance and head yaw from dlib's 5 landmarks.

dlib's 5-point model gives, in image coordinates: 0/1 the outer/inner corner of the eye
on the image's right, 2/3 the outer/inner corner of the eye on the image's left, and 4
the base of the nose (subnasale).

Yaw is estimated with a weak-perspective model: the eye centres sit at +-e across the
face and the nose base ``d`` in front of them. Turning the head by ``theta`` moves the
nose base ``d sin(theta)`` sideways relative to the eye midpoint while the projected
eye separation shrinks to ``2 e cos(theta)``. So the nose base's position along the eye
line, ``t`` (0 = image-left eye, 1 = image-right eye, 0.5 frontal), satisfies
``2t - 1 = (d / e) tan(theta)``. Projecting onto the eye line makes it insensitive to
roll (head tilt) and to scale. ``d / e`` ~ 0.5 for an average adult face (generic 3D
face model); the angle is an estimate good for a challenge, not a measurement.

Sign: positive yaw = the nose moved towards the image's right.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

Point = tuple[float, float]
Landmarks5 = tuple[Point, Point, Point, Point, Point]

NOSE_DEPTH_RATIO = 0.5  # d / e: nose-base depth over half the eye-centre distance


def face_distance(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Euclidean distance between two 128-d face descriptors (dlib: same person < ~0.6)."""
    va = np.asarray(a, dtype=np.float64).reshape(-1)
    vb = np.asarray(b, dtype=np.float64).reshape(-1)
    if va.shape != vb.shape:
        raise ValueError(f"descriptor shapes differ: {va.shape} vs {vb.shape}")
    return float(np.linalg.norm(va - vb))


def eye_centres(landmarks: Sequence[Point]) -> tuple[Point, Point]:
    """(image-left eye centre, image-right eye centre) from the 5 landmarks."""
    if len(landmarks) != 5:
        raise ValueError(f"expected 5 landmarks, got {len(landmarks)}")
    right = ((landmarks[0][0] + landmarks[1][0]) / 2, (landmarks[0][1] + landmarks[1][1]) / 2)
    left = ((landmarks[2][0] + landmarks[3][0]) / 2, (landmarks[2][1] + landmarks[3][1]) / 2)
    return left, right


def nose_position(landmarks: Sequence[Point]) -> float:
    """Where the nose base projects on the eye line: 0 left eye, 0.5 midway, 1 right eye."""
    left, right = eye_centres(landmarks)
    nose = landmarks[4]
    ex, ey = right[0] - left[0], right[1] - left[1]
    norm2 = ex * ex + ey * ey
    if norm2 <= 1e-9:
        raise ValueError("degenerate landmarks: the eye centres coincide")
    return ((nose[0] - left[0]) * ex + (nose[1] - left[1]) * ey) / norm2


def yaw_from_landmarks(
    landmarks: Sequence[Point], *, nose_depth_ratio: float = NOSE_DEPTH_RATIO
) -> float:
    """Estimated head yaw in degrees (0 frontal, + nose towards the image's right)."""
    t = nose_position(landmarks)
    return math.degrees(math.atan((2.0 * t - 1.0) / nose_depth_ratio))


def synthetic_landmarks(
    yaw_deg: float,
    *,
    centre: Point = (320.0, 240.0),
    eye_half: float = 40.0,
    roll_deg: float = 0.0,
    nose_depth_ratio: float = NOSE_DEPTH_RATIO,
) -> Landmarks5:
    """The 5 landmarks a face turned by ``yaw_deg`` would project to (tests, demos).

    Inverse of :func:`yaw_from_landmarks` under the same weak-perspective model.
    """
    th = math.radians(yaw_deg)
    e = eye_half
    d = nose_depth_ratio * e
    corner = 0.35 * e  # half an eye's width
    # face-frame x (across the face), projected; y downwards in the image
    pts = [
        (e * math.cos(th) + corner * math.cos(th), 0.0),  # right eye outer
        (e * math.cos(th) - corner * math.cos(th), 0.0),  # right eye inner
        (-e * math.cos(th) - corner * math.cos(th), 0.0),  # left eye outer
        (-e * math.cos(th) + corner * math.cos(th), 0.0),  # left eye inner
        (d * math.sin(th), 1.9 * e),  # nose base
    ]
    r = math.radians(roll_deg)
    cr, sr = math.cos(r), math.sin(r)
    out = [(centre[0] + x * cr - y * sr, centre[1] + x * sr + y * cr) for x, y in pts]
    return (out[0], out[1], out[2], out[3], out[4])
