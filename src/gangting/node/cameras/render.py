"""Rendered plates (Pillow + Noto Sans CJK) and their paste onto a photo's own plate: the
simulated camera's endless traffic, the tests' 蒙B plates and ``scripts/make_sim_frames.py``.

Noto Sans CJK comes from Debian's ``fonts-noto-cjk`` (``./dev`` installs it); without it
nothing can be rendered (``font_path()`` is None).
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


def composite(
    photo: NDArray[np.uint8], plate: NDArray[np.uint8], corners: NDArray[np.float32]
) -> NDArray[np.uint8]:
    """``photo`` with ``plate`` perspective-warped onto ``corners`` (top-left, top-right,
    bottom-right, bottom-left), a little larger than the old plate so that no rim of it
    remains, then softened as a camera would."""
    h, w = photo.shape[:2]
    ph, pw = plate.shape[:2]
    centre = corners.mean(axis=0)
    grown = (centre + (corners - centre) * 1.06).astype(np.float32)
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, grown)
    warped = cv2.warpPerspective(plate, m, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), m, (w, h))
    soft = cv2.GaussianBlur(mask, (3, 3), 0).astype(np.float32)[..., None] / 255.0
    out = photo.astype(np.float32) * (1 - soft) + warped.astype(np.float32) * soft
    out = cv2.GaussianBlur(out.astype(np.uint8), (3, 3), 0)  # the camera's own softness
    return np.asarray(out, dtype=np.uint8)
