"""Make the simulator's face photos (src/gangting/node/adapters/sim_faces/).

    .venv/bin/python -m tests.node.make_sim_faces [/work/shared/data/faces]

For each person: the chip photo (102x126 head-and-shoulders crop, JPEG quality 40, like
tests/identification/faces/idphoto.py) from one photo scaled to 640 px, and the live camera
frame (a 640x480 crop around the face) from another; then dlib's landmarks of the live
frame and the warp angle that makes it face the camera (bisection on the real yaw
estimate). Prints what the
real verifier and liveness challenge make of the result.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from gangting.identification.faces import FaceVerifier
from gangting.identification.faces.geometry import yaw_from_landmarks
from gangting.node.adapters import sim_faces
from gangting.node.adapters.face_camera import turn_profile

SOURCE = Path("/work/shared/data/faces")
ID_SIZE = (102, 126)
FRAME = (640, 480)
# person: (live photo, chip photo); pairs chosen for a frontal live photo and, among those,
# the chip source with the smallest genuine distance.
PEOPLE = {
    "obama": ("obama_obama.jpg", "obama_obama2.jpg"),
    "lacamoire": ("test_alex_lacamoire1.jpg", "alex_lacamoire_img1.jpg"),
    "leslie": ("rose_leslie_img1.jpg", "rose_leslie_img2.jpg"),
    "harington": ("kit_harington_john1.jpeg", "test_johnsnow_test1.jpg"),
    "biden": ("biden_biden2.jpg", "biden_biden.jpg"),
}


def read(path: Path) -> NDArray[np.uint8]:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(path)
    out: NDArray[np.uint8] = img
    return out


def at_most(image: NDArray[np.uint8], side: int) -> NDArray[np.uint8]:
    scale = side / max(image.shape[:2])
    if scale >= 1:
        return image
    out: NDArray[np.uint8] = cv2.resize(
        image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA
    )
    return out


def chip_photo(image: NDArray[np.uint8], box: tuple[int, int, int, int]) -> bytes:
    x1, y1, x2, y2 = box
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    w = 1.6 * (x2 - x1)
    h = w * ID_SIZE[1] / ID_SIZE[0]
    hi, wi = image.shape[:2]
    left, right = int(max(0, cx - w / 2)), int(min(wi, cx + w / 2))
    top, bottom = int(max(0, cy - 0.55 * h)), int(min(hi, cy + 0.45 * h))
    small = cv2.resize(image[top:bottom, left:right], ID_SIZE, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 40])
    assert ok
    return buf.tobytes()


def live_frame(image: NDArray[np.uint8], box: tuple[int, int, int, int]) -> NDArray[np.uint8]:
    """A 4:3 crop where the face is about 30 % of the width, face centre at 40 % height."""
    x1, y1, x2, y2 = box
    hi, wi = image.shape[:2]
    w = min(wi, hi * 4 / 3, (x2 - x1) / 0.30)
    h = w * 3 / 4
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    left = int(min(max(0, cx - w / 2), wi - w))
    top = int(min(max(0, cy - 0.4 * h), hi - h))
    crop = image[top : top + int(h), left : left + int(w)]
    out: NDArray[np.uint8] = cv2.resize(crop, FRAME, interpolation=cv2.INTER_AREA)
    return out


def frontal_angle(v: FaceVerifier, frame: NDArray[np.uint8], lm: sim_faces.Landmarks5) -> float:
    """The warp angle whose result the real yaw estimate sees as frontal (|yaw| < 1.5)."""
    lo, hi = -30.0, 30.0
    mid = 0.0
    for _ in range(12):
        mid = (lo + hi) / 2
        yaw = v.yaw(sim_faces.turn_head(frame, lm, mid))
        if yaw is None:
            raise RuntimeError("face lost while calibrating")
        if abs(yaw) < 1.5:
            break
        lo, hi = (lo, mid) if yaw > 0 else (mid, hi)
    return round(mid, 2)


def main(source: Path = SOURCE) -> None:
    v = FaceVerifier()
    out = sim_faces.HERE
    records = []
    for key, (live_name, chip_name) in PEOPLE.items():
        chip_src = at_most(read(source / chip_name), 640)
        face = v.detect(chip_src)
        assert face is not None, chip_name
        (out / f"{key}_chip.jpg").write_bytes(chip_photo(chip_src, face.box))
        live_src = read(source / live_name)
        face = v.detect(live_src)
        assert face is not None, live_name
        frame = live_frame(live_src, face.box)
        cv2.imwrite(str(out / f"{key}_live.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
        frame = read(out / f"{key}_live.jpg")  # what the simulator will load
        face = v.detect(frame)
        assert face is not None, key
        lm = face.landmarks
        angle = frontal_angle(v, frame, lm)
        records.append(
            {
                "key": key,
                "live": f"{key}_live.jpg",
                "chip": f"{key}_chip.jpg",
                "source_live": live_name,
                "source_chip": chip_name,
                "landmarks": [[round(x, 1), round(y, 1)] for x, y in lm],
                "frontal_warp_deg": angle,
            }
        )
        chip = cv2.imdecode(np.frombuffer((out / f"{key}_chip.jpg").read_bytes(), np.uint8), 1)
        look = sim_faces.turn_head(frame, lm, angle)
        check = v.verify(look, chip)
        frames = [look, look] + [sim_faces.turn_head(frame, lm, angle + a) for a in turn_profile(8)]
        live = v.head_turn_challenge(frames, min_turn_frames=2)
        print(
            f"{key}: yaw {yaw_from_landmarks(lm):+.1f} -> warp {angle:+.1f}; "
            f"distance {check.distance:.3f}; liveness {live.passed} "
            f"{[None if y is None else round(y) for y in live.yaws]}"
        )
    (out / "faces.json").write_text(
        json.dumps({"people": records}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    total = sum(p.stat().st_size for p in out.iterdir() if p.suffix == ".jpg")
    print(f"{len(records)} people, {total} bytes of photos in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE)
