"""Rendered test plates (Pillow + Noto Sans CJK, ``gangting.node.cameras.render``): 蒙B
plates the real photos lack, pasted into car-like frames."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from gangting.node.cameras.render import font_path, render_plate

__all__ = ["font_path", "in_frame", "render_plate"]


def in_frame(
    plate: NDArray[np.uint8],
    *,
    size: tuple[int, int] = (720, 1160),
    at: tuple[int, int] = (300, 600),
    skew: float = 0.12,
    seed: int = 0,
    plate_height: int = 45,
) -> NDArray[np.uint8]:
    """Paste the plate, perspective-warped by ``skew``, into a noisy grey car-like frame."""
    rng = np.random.default_rng(seed)
    w, h = size
    frame = rng.normal(110, 25, (h, w, 3)).clip(0, 255).astype(np.uint8)
    frame = cv2.GaussianBlur(frame, (9, 9), 0)
    cv2.rectangle(frame, (at[0] - 150, at[1] - 120), (at[0] + 350, at[1] + 140), (40, 40, 45), -1)
    scale = plate_height / plate.shape[0]
    plate = cv2.resize(plate, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ph, pw = plate.shape[:2]
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    d = skew * ph
    dst = np.float32(
        [[at[0], at[1] + d], [at[0] + pw, at[1]], [at[0] + pw, at[1] + ph], [at[0], at[1] + ph + d]]
    )
    m = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(plate, m, (w, h))
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), m, (w, h))
    frame[mask > 0] = warped[mask > 0]
    return np.asarray(cv2.GaussianBlur(frame, (3, 3), 0), dtype=np.uint8)
