"""Build the simulated cameras' stills (src/gangting/node/cameras/sim_frames/).

Run from the repository root with ../shared beside it:

    .venv/bin/python scripts/make_sim_frames.py

It copies a few real CCPD full frames from shared/data/plates/full/ (the development set,
never plates-eval) and makes 蒙B stills: a real CCPD frame whose plate is replaced by a
rendered 蒙B plate (``tests/identification/render.py``), perspective-warped onto the photo's own
plate corners (from the CCPD file name). The labels go to sim_frames/labels.csv.
"""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a development script: it draws with the tests' plate renderer

from tests.identification.render import render_plate  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "plates"
OUT = ROOT / "src" / "gangting" / "node" / "cameras" / "sim_frames"

REAL = ["ccpd_003", "ccpd_004", "ccpd_007", "ccpd_009", "ccpd_012", "ccpd_016", "ccpd_021"]
# (photo whose plate is replaced, rendered 蒙B plate)
MENG_B = [
    ("ccpd_010", "蒙B7K2M9"),
    ("ccpd_015", "蒙BA3058"),
    ("ccpd_022", "蒙BD12345"),
    ("ccpd_024", "蒙B5Q8N6"),
]


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
        out = composite(photo, render_plate(text, height=140), corners)
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
