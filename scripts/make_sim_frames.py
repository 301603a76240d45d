"""Build the simulated cameras' stills (src/gangting/node/cameras/sim_frames/).

Run from the repository root with ../shared beside it:

    .venv/bin/python scripts/make_sim_frames.py

It copies a few real CCPD full frames from shared/data/plates/full/ (the development set,
never plates-eval) and makes 蒙B stills: a real CCPD frame whose plate is replaced by a
rendered 蒙B plate (Pillow + Noto Sans CJK), perspective-warped onto the photo's own
plate corners (from the CCPD file name). The labels go to sim_frames/labels.csv.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "plates"
OUT = ROOT / "src" / "gangting" / "node" / "cameras" / "sim_frames"
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")

REAL = ["ccpd_003", "ccpd_004", "ccpd_007", "ccpd_009", "ccpd_012", "ccpd_016", "ccpd_021"]
# (photo whose plate is replaced, rendered 蒙B plate)
MENG_B = [
    ("ccpd_010", "蒙B7K2M9"),
    ("ccpd_015", "蒙BA3058"),
    ("ccpd_022", "蒙BD12345"),
    ("ccpd_024", "蒙B5Q8N6"),
]


def render_plate(text: str, height: int = 140) -> NDArray[np.uint8]:
    """An upright BGR plate: 7 characters white on blue, 8 black on a green gradient."""
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
    draw.rectangle([3, 3, width - 4, height - 4], outline=ink, width=3)
    font = ImageFont.truetype(str(FONT), int(height * 0.62))
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


def ccpd_corners(source_path: str) -> NDArray[np.float32]:
    """The plate's corners from a CCPD file name, as top-left, top-right, bottom-right,
    bottom-left (CCPD lists bottom-right, bottom-left, top-left, top-right)."""
    field = Path(source_path).name.split("-")[3]
    br, bl, tl, tr = ([float(v) for v in p.split("&")] for p in field.split("_"))
    return np.float32([tl, tr, br, bl])


def composite(photo: NDArray[np.uint8], plate: NDArray[np.uint8], corners: NDArray[np.float32]):
    h, w = photo.shape[:2]
    ph, pw = plate.shape[:2]
    # The rendered plate a little larger than the old one so that no blue rim remains.
    centre = corners.mean(axis=0)
    grown = (centre + (corners - centre) * 1.06).astype(np.float32)
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    m = cv2.getPerspectiveTransform(src, grown)
    warped = cv2.warpPerspective(plate, m, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), m, (w, h))
    mask = cv2.GaussianBlur(mask, (3, 3), 0).astype(np.float32)[..., None] / 255.0
    out = photo.astype(np.float32) * (1 - mask) + warped.astype(np.float32) * mask
    out = cv2.GaussianBlur(out.astype(np.uint8), (3, 3), 0)  # the camera's own softness
    return np.asarray(out, dtype=np.uint8)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = {r["file"]: r for r in csv.DictReader((SHARED / "labels.csv").open(encoding="utf-8"))}
    labels: list[tuple[str, str, str]] = []
    for name in REAL:
        shutil.copyfile(SHARED / "full" / f"{name}.jpg", OUT / f"{name}.jpg")
        labels.append((f"{name}.jpg", rows[f"full/{name}.jpg"]["plate"], "real"))
    for name, text in MENG_B:
        photo = cv2.imread(str(SHARED / "full" / f"{name}.jpg"))
        corners = ccpd_corners(rows[f"full/{name}.jpg"]["source_path"])
        out = composite(photo, render_plate(text), corners)
        target = f"mengb_{name.split('_')[1]}.jpg"
        cv2.imwrite(str(OUT / target), out, [cv2.IMWRITE_JPEG_QUALITY, 85])
        labels.append((target, text, f"rendered on {name}.jpg"))
    with (OUT / "labels.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["file", "plate", "what"])
        writer.writerows(labels)
    total = sum(p.stat().st_size for p in OUT.glob("*.jpg"))
    print(f"{len(labels)} stills, {total / 1e6:.2f} MB in {OUT}")


if __name__ == "__main__":
    main()
