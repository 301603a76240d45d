"""Rendered test plates (Pillow + Noto Sans CJK): 蒙B plates the real photos lack.

``scripts/make_sim_frames.py`` draws the simulated cameras' 蒙B plates with ``render_plate``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
BOLD = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")


def font_path() -> Path | None:
    for p in (BOLD, FONT):
        if p.exists():
            return p
    return None


def render_plate(text: str, height: int = 70) -> NDArray[np.uint8]:
    """An upright BGR plate: 7 characters white on blue, 8 black on green gradient."""
    path = font_path()
    assert path is not None, "Noto Sans CJK is not installed"
    green = len(text) == 8
    width = int(height * (480 if green else 440) / 140)
    img = Image.new("RGB", (width, height), (0, 60, 170))
    draw = ImageDraw.Draw(img)
    if green:
        top, bottom = np.array([245, 250, 245]), np.array([70, 190, 90])
        for y in range(height):
            c = top + (bottom - top) * y / max(height - 1, 1)
            draw.line([(0, y), (width, y)], fill=tuple(int(v) for v in c))
        ink = (15, 15, 15)
    else:
        ink = (245, 245, 245)
    edge = max(2, round(height / 47))  # the rim: 2 px at height 70, 3 px at 140
    draw.rectangle([edge, edge, width - 1 - edge, height - 1 - edge], outline=ink, width=edge)
    font = ImageFont.truetype(str(path), int(height * 0.62))
    slots = len(text) + 1  # one slot for the separator dot
    step = (width - 0.12 * width) / slots
    x = 0.06 * width
    for i, ch in enumerate(text):
        if i == 2:
            draw.ellipse([x + step * 0.4, height * 0.47, x + step * 0.6, height * 0.55], fill=ink)
            x += step
        box = draw.textbbox((0, 0), ch, font=font)
        cw, chh = box[2] - box[0], box[3] - box[1]
        draw.text(
            (x + (step - cw) / 2 - box[0], (height - chh) / 2 - box[1]), ch, font=font, fill=ink
        )
        x += step
    return np.asarray(img)[:, :, ::-1].copy()


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
