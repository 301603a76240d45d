"""Build the simulated cameras' stills (src/gangting/node/cameras/sim_frames/).

Run from the repository root with ../shared beside it:

    .venv/bin/python scripts/make_sim_frames.py

It copies a few real CCPD full frames from shared/data/plates/full/ (the development set,
never plates-eval) and makes 蒙B stills: a real CCPD frame whose plate is replaced by a
rendered 蒙B plate (``gangting.node.cameras.render``), perspective-warped onto the photo's own
plate corners (from the CCPD file name). The labels go to sim_frames/labels.csv, with each
photo's plate corners: the simulated camera pastes further rendered plates there.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from gangting.node.cameras.render import composite, render_plate

ROOT = Path(__file__).resolve().parents[1]
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


def corners_text(corners: NDArray[np.float32]) -> str:
    """``x y`` pairs, top-left first, clockwise: labels.csv's ``corners``."""
    return ";".join(f"{x:.0f} {y:.0f}" for x, y in corners)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = {r["file"]: r for r in csv.DictReader((SHARED / "labels.csv").open(encoding="utf-8"))}
    labels: list[tuple[str, str, str, str]] = []
    for name in REAL:
        row = rows[f"full/{name}.jpg"]
        shutil.copyfile(SHARED / "full" / f"{name}.jpg", OUT / f"{name}.jpg")
        corners = corners_text(ccpd_corners(row["source_path"]))
        labels.append((f"{name}.jpg", row["plate"], "real", corners))
    for name, text in MENG_B:
        photo = cv2.imread(str(SHARED / "full" / f"{name}.jpg"))
        corners = ccpd_corners(rows[f"full/{name}.jpg"]["source_path"])
        out = composite(photo, render_plate(text, height=140), corners)
        target = f"mengb_{name.split('_')[1]}.jpg"
        cv2.imwrite(str(OUT / target), out, [cv2.IMWRITE_JPEG_QUALITY, 85])
        labels.append((target, text, f"rendered on {name}.jpg", corners_text(corners)))
    with (OUT / "labels.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["file", "plate", "what", "corners"])
        writer.writerows(labels)
    total = sum(p.stat().st_size for p in OUT.glob("*.jpg"))
    print(f"{len(labels)} stills, {total / 1e6:.2f} MB in {OUT}")


if __name__ == "__main__":
    main()
