"""Simulate a second-generation ID-card chip photo from a face photo (tests and bench).

The chip photo is 102x126 px, heavily compressed; here: a head-and-shoulders crop around
the detected face, downscaled to 102x126, JPEG quality 40 (in memory), optionally
greyscale, then upsampled x2 as a reader's software might.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

ID_SIZE = (102, 126)  # width, height


def simulate_id_photo(
    image: NDArray[np.uint8],
    box: tuple[int, int, int, int],
    *,
    quality: int = 40,
    grey: bool = False,
    upsample: int = 2,
) -> NDArray[np.uint8]:
    x1, y1, x2, y2 = box
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    w = 1.6 * (x2 - x1)
    h = w * ID_SIZE[1] / ID_SIZE[0]
    h_img, w_img = image.shape[:2]
    left, right = int(max(0, cx - w / 2)), int(min(w_img, cx + w / 2))
    top, bottom = int(max(0, cy - 0.55 * h)), int(min(h_img, cy + 0.45 * h))
    small = cv2.resize(image[top:bottom, left:right], ID_SIZE, interpolation=cv2.INTER_AREA)
    if grey:
        small = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    out: NDArray[np.uint8] = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    if upsample > 1:
        out = cv2.resize(out, None, fx=upsample, fy=upsample, interpolation=cv2.INTER_CUBIC)
    return out
