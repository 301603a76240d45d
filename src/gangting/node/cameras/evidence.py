"""The evidence crop of a plate read: the plate with some of the vehicle around it, as a
small JPEG (base64 on the wire), kept under the event's size limit."""

from __future__ import annotations

import base64

import cv2
import numpy as np
from numpy.typing import NDArray

from gangting.plate_reads.schemas import EVIDENCE_B64_MAX_CHARS, Box

MAX_JPEG_BYTES = EVIDENCE_B64_MAX_CHARS * 3 // 4  # base64 grows 4/3


def crop_around(
    image: NDArray[np.uint8], box: Box, *, margin: float = 0.6, max_width: int = 320
) -> NDArray[np.uint8]:
    """The box grown by ``margin`` of its width on each side (more above and below, where
    the vehicle is), clipped to the frame and shrunk to at most ``max_width`` pixels."""
    h, w = image.shape[:2]
    x1, y1, x2, y2 = box
    bw, bh = max(x2 - x1, 1.0), max(y2 - y1, 1.0)
    mx, my = margin * bw, max(margin * bw * 0.5, 1.5 * bh)
    left, right = int(max(0, x1 - mx)), int(min(w, x2 + mx))
    top, bottom = int(max(0, y1 - my)), int(min(h, y2 + my))
    if right - left < 2 or bottom - top < 2:
        left, top, right, bottom = 0, 0, w, h
    crop = image[top:bottom, left:right]
    if crop.shape[1] > max_width:
        scale = max_width / crop.shape[1]
        size = (max_width, max(1, round(crop.shape[0] * scale)))
        crop = np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    return np.ascontiguousarray(crop, dtype=np.uint8)


def encode_jpeg(crop: NDArray[np.uint8], *, max_bytes: int = MAX_JPEG_BYTES) -> bytes:
    """JPEG at the best quality (80 down to 40) that fits ``max_bytes``; smaller if even
    quality 40 does not fit."""
    image = crop
    while True:
        for quality in (80, 65, 50, 40):
            ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if ok and len(data) <= max_bytes:
                return bytes(data)
        h, w = image.shape[:2]
        if w <= 16 or h <= 8:
            return b""
        smaller = cv2.resize(image, (w * 3 // 4, max(1, h * 3 // 4)), interpolation=cv2.INTER_AREA)
        image = np.asarray(smaller, dtype=np.uint8)


def evidence_b64(crop: NDArray[np.uint8]) -> str | None:
    data = encode_jpeg(crop)
    return base64.b64encode(data).decode("ascii") if data else None
