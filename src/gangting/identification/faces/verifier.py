"""1:1 face verification (live face vs ID-card photo) with dlib, fully offline.

    verifier = FaceVerifier()                     # loads the two shipped dlib models once
    check = verifier.verify(live_bgr, id_photo_bgr)
    check.matched, check.distance, check.reasons  # reasons in zh-CN
    result = verifier.head_turn_challenge(frames) # liveness: turn the head and back

Pipeline: HOG face detection (on a copy downscaled to ``max_side``; upsampled for small
images such as the 102x126 ID-card chip photo), the largest face, dlib's 5-point landmarks,
aligned 150x150 chip, ResNet 128-d descriptor. Two descriptors of the same person are
usually < 0.6 apart; the default threshold here is a strict 0.5 because the model is
reported to be less accurate on Asian faces (see docs/benchmarks.md).

Images are BGR (or greyscale) uint8 arrays, as from OpenCV; they are only held in memory
for the call and never written anywhere. ``FaceCheck`` carries no image or descriptor.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from gangting.identification.faces.geometry import (
    NOSE_DEPTH_RATIO,
    Landmarks5,
    face_distance,
    yaw_from_landmarks,
)
from gangting.identification.faces.liveness import Direction, LivenessResult, decide_head_turn
from gangting.kernel.decision import Reason

dlib: Any = importlib.import_module("dlib")  # untyped extension module

MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
SHAPE_MODEL = MODEL_DIR / "shape_predictor_5_face_landmarks.dat"
RECOGNITION_MODEL = MODEL_DIR / "dlib_face_recognition_resnet_model_v1.dat"

DEFAULT_THRESHOLD = 0.5
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Face:
    """A detected face: box (x1, y1, x2, y2) and the 5 landmarks, in image pixels."""

    box: Box
    landmarks: Landmarks5
    faces_found: int  # how many faces the detector saw (the largest is kept)


@dataclass(frozen=True)
class Embedding:
    """The 128-d descriptor of the largest face in an image."""

    vector: NDArray[np.float64]
    face: Face


@dataclass(frozen=True)
class FaceCheck:
    """The outcome of one live-vs-ID-photo comparison (distance is inf without a face)."""

    matched: bool
    distance: float
    threshold: float
    reasons: list[Reason] = field(default_factory=list)


def _to_rgb(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {arr.dtype}")
    if arr.ndim == 2:
        rgb = cv2.cvtColor(arr, cv2.COLOR_GRAY2RGB)
    elif arr.ndim == 3 and arr.shape[2] == 3:
        rgb = cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)
    elif arr.ndim == 3 and arr.shape[2] == 4:
        rgb = cv2.cvtColor(arr, cv2.COLOR_BGRA2RGB)
    else:
        raise ValueError(f"unsupported image shape {arr.shape}")
    return np.ascontiguousarray(rgb)


class FaceVerifier:
    """Loads the detector, the 5-point shape model and the ResNet descriptor once.

    Not thread-safe (dlib objects); use one per worker.
    """

    def __init__(
        self,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        max_side: int = 800,
        upsample_below: int = 1000,
        model_dir: Path = MODEL_DIR,
    ) -> None:
        if not 0 < threshold < 2:
            raise ValueError("threshold must be in (0, 2)")
        self.threshold = threshold
        self.max_side = max_side
        self.upsample_below = upsample_below
        self._detector = dlib.get_frontal_face_detector()
        self._shape = dlib.shape_predictor(str(model_dir / SHAPE_MODEL.name))
        self._encoder = dlib.face_recognition_model_v1(str(model_dir / RECOGNITION_MODEL.name))

    # -- detection -------------------------------------------------------------------

    def _detect(self, rgb: NDArray[np.uint8]) -> tuple[Any, int] | None:
        """The largest face as a dlib rectangle in ``rgb`` coordinates, and the count."""
        h, w = rgb.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        small = (
            rgb
            if scale == 1.0
            else cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        )
        grey = np.ascontiguousarray(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY))
        long_side = max(grey.shape[:2])
        rects: list[Any] = []
        for upsample in (0, 1, 2):
            if upsample and long_side * (2 ** (upsample - 1)) > self.upsample_below:
                break  # big enough: upsampling would only cost time
            rects = list(self._detector(grey, upsample))
            if rects:
                break
        if not rects:
            return None
        best = max(rects, key=lambda r: r.width() * r.height())
        inv = 1.0 / scale
        rect = dlib.rectangle(
            int(round(best.left() * inv)),
            int(round(best.top() * inv)),
            int(round(best.right() * inv)),
            int(round(best.bottom() * inv)),
        )
        return rect, len(rects)

    def _face(self, rgb: NDArray[np.uint8]) -> tuple[Face, Any] | None:
        found = self._detect(rgb)
        if found is None:
            return None
        rect, count = found
        shape = self._shape(rgb, rect)
        pts = [(float(p.x), float(p.y)) for p in shape.parts()]
        landmarks: Landmarks5 = (pts[0], pts[1], pts[2], pts[3], pts[4])
        box = (rect.left(), rect.top(), rect.right(), rect.bottom())
        return Face(box, landmarks, count), shape

    def detect(self, image: NDArray[np.uint8]) -> Face | None:
        """The largest face with its 5 landmarks, or None (no descriptor: cheaper)."""
        found = self._face(_to_rgb(image))
        return None if found is None else found[0]

    # -- descriptors -----------------------------------------------------------------

    def embed(self, image: NDArray[np.uint8]) -> Embedding | None:
        """The 128-d descriptor of the largest face, or None when no face is found."""
        rgb = _to_rgb(image)
        found = self._face(rgb)
        if found is None:
            return None
        face, shape = found
        vector = np.asarray(self._encoder.compute_face_descriptor(rgb, shape), dtype=np.float64)
        return Embedding(vector, face)

    def verify(
        self,
        live_image: NDArray[np.uint8],
        id_photo: NDArray[np.uint8],
        *,
        threshold: float | None = None,
    ) -> FaceCheck:
        """Compare the live face with the ID-card photo; matched when distance <= threshold."""
        return self.compare(self.embed(live_image), self.embed(id_photo), threshold=threshold)

    def compare(
        self, live: Embedding | None, card: Embedding | None, *, threshold: float | None = None
    ) -> FaceCheck:
        """``verify`` on descriptors already computed (None: no face was found there)."""
        thr = self.threshold if threshold is None else threshold
        reasons: list[Reason] = []
        if live is None:
            reasons.append(Reason("faces.no_face_live", "现场照片中未检测到人脸，请正对摄像头"))
        if card is None:
            reasons.append(Reason("faces.no_face_id_photo", "身份证照片中未检测到人脸"))
        if live is None or card is None:
            return FaceCheck(False, float("inf"), thr, reasons)
        distance = face_distance(live.vector, card.vector)
        data = {"distance": round(distance, 4), "threshold": thr}
        if live.face.faces_found > 1:
            reasons.append(
                Reason(
                    "faces.several_faces",
                    "现场照片中有多张人脸，已取最大的一张",
                    (),
                    {"faces": live.face.faces_found},
                )
            )
        if distance <= thr:
            reasons.append(Reason("faces.matched", "人脸与身份证照片一致", (), data))
            return FaceCheck(True, distance, thr, reasons)
        reasons.append(Reason("faces.mismatch", "人脸与身份证照片不一致", (), data))
        return FaceCheck(False, distance, thr, reasons)

    # -- liveness --------------------------------------------------------------------

    def yaw(self, image: NDArray[np.uint8]) -> float | None:
        """Estimated yaw (degrees) of the largest face, or None without a face."""
        face = self.detect(image)
        return None if face is None else yaw_from_landmarks(face.landmarks)

    def head_turn_challenge(
        self,
        frames: Iterable[NDArray[np.uint8]],
        *,
        turn_deg: float = 25.0,
        frontal_deg: float = 10.0,
        min_turn_frames: int = 1,
        direction: Direction = "either",
        nose_depth_ratio: float = NOSE_DEPTH_RATIO,
    ) -> LivenessResult:
        """Track yaw over the frames; pass on frontal -> turned >= turn_deg -> frontal."""
        yaws: list[float | None] = []
        for frame in frames:
            face = self.detect(frame)
            yaws.append(
                None
                if face is None
                else yaw_from_landmarks(face.landmarks, nose_depth_ratio=nose_depth_ratio)
            )
        return decide_head_turn(
            yaws,
            turn_deg=turn_deg,
            frontal_deg=frontal_deg,
            min_turn_frames=min_turn_frames,
            direction=direction,
        )
