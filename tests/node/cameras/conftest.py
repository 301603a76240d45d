"""Camera tests: the real plate reader (loaded once), scenes made of real photos from
tests/data/plates and of rendered 蒙B plates, written as image files or a video."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from gangting.identification.plates import PlateReader
from gangting.kernel.clock import FixedClock
from gangting.node.cameras.simulated import Shot, SimulatedCamera, Still
from tests.identification.render import font_path, in_frame, render_plate

DATA = Path(__file__).resolve().parents[2] / "data" / "plates"
T0 = datetime(2026, 11, 26, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="session")
def reader() -> PlateReader:
    return PlateReader()


@pytest.fixture
def camera_clock() -> FixedClock:
    return FixedClock(T0)


def photo_stills(*names: str) -> list[Still]:
    """Real CCPD photos from tests/data/plates/full with their ground truth."""
    with (DATA / "labels.csv").open(encoding="utf-8") as f:
        labels = {Path(r["file"]).stem: r["plate"] for r in csv.DictReader(f)}
    return [Still(DATA / "full" / f"{n}.jpg", labels[n], "real") for n in names]


def rendered_stills(folder: Path, plates: Sequence[str]) -> list[Still]:
    """Rendered plates (tests/identification/render.py) pasted into car-like frames."""
    if font_path() is None:
        pytest.skip("Noto Sans CJK is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    stills = []
    for i, plate in enumerate(plates):
        path = folder / f"rendered_{i}.jpg"
        cv2.imwrite(str(path), in_frame(render_plate(plate), seed=i, at=(260, 620)))
        stills.append(Still(path, plate, "rendered"))
    return stills


def frames(stills: list[Still], shots: list[Shot]) -> list[NDArray[np.uint8]]:
    """The scene's frames, drawn the way the simulated camera draws them."""
    camera = SimulatedCamera(clock=FixedClock(T0), stills=stills, shots=shots, loop=False)
    camera.open()
    out = []
    while (frame := camera.read()) is not None:
        out.append(frame.image)
    return out


def write_images(folder: Path, images: list[NDArray[np.uint8]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images):
        cv2.imwrite(str(folder / f"{i:04d}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return folder


def write_video(path: Path, images: list[NDArray[np.uint8]], fps: float) -> Path:
    h, w = images[0].shape[:2]
    fourcc = cv2.VideoWriter.fourcc(*("mp4v" if path.suffix == ".mp4" else "MJPG"))
    writer = cv2.VideoWriter(str(path), fourcc, fps, (w, h))
    assert writer.isOpened(), f"cannot write {path}"
    for image in images:
        writer.write(image)
    writer.release()
    return path
