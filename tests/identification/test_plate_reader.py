"""The plate reader on real photos (a subset of the dev set) and rendered 蒙B plates."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from gangting.identification.plates import PlateColour, PlateReader, PlateType
from gangting.identification.plates.detector import priors

from .render import font_path, in_frame, render_plate

DATA = Path(__file__).resolve().parent.parent / "data" / "plates"


def _labels(folder: str) -> list[tuple[Path, str]]:
    with (DATA / "labels.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["file"].startswith(folder + "/")]
    return [(DATA / r["file"], r["plate"]) for r in rows]


def _image(path: Path) -> np.ndarray:
    img = cv2.imread(str(path))
    assert img is not None, path
    return img


def test_full_frames_read_exactly(reader: PlateReader) -> None:
    for path, plate in _labels("full"):
        reads = reader.read_frame(_image(path))
        assert reads, path
        best = reads[0]
        assert best.plate == plate, path
        assert best.box is not None and best.corners is not None
        x1, y1, x2, y2 = best.box
        assert 0 <= x1 < x2 <= 720 and 0 <= y1 < y2 <= 1160
        assert len(best.char_confidences) == len(plate)
        assert 0 < best.confidence <= 1
        if len(plate) == 8:
            assert best.plate_type is PlateType.NEW_ENERGY_SMALL


def test_crops_read_exactly(reader: PlateReader) -> None:
    items = _labels("crop")
    assert len(items) == 40
    right = 0
    for path, plate in items:
        read = reader.read_crop(_image(path))
        right += read is not None and read.plate == plate
    assert right >= 39  # measured 40/40; one of slack for onnxruntime/OpenCV drift


def test_junk_is_rejected(reader: PlateReader) -> None:
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 255, (720, 1160, 3), dtype=np.uint8)
    assert reader.read_frame(noise) == []
    assert reader.read_crop(np.full((24, 94, 3), 127, np.uint8)) is None


def test_detector_priors_are_cached() -> None:
    a = priors(640, 400)
    assert priors(640, 400) is a
    assert not a.flags.writeable


needs_font = pytest.mark.skipif(font_path() is None, reason="Noto Sans CJK not installed")

MENG_B = ["蒙B12345", "蒙BA7K29", "蒙B8Q0Z5", "蒙B5S2Z8", "蒙BX0D61", "蒙BC3J70"]
MENG_B_NEW_ENERGY = ["蒙BD12345", "蒙BF62188", "蒙BAK0668", "蒙B99901D"]


@needs_font
@pytest.mark.parametrize("plate", MENG_B + MENG_B_NEW_ENERGY)
def test_rendered_meng_b_crops(reader: PlateReader, plate: str) -> None:
    read = reader.read_crop(render_plate(plate))
    assert read is not None and read.plate == plate
    if len(plate) == 8:
        assert read.colour is PlateColour.GREEN
    else:
        assert read.colour is PlateColour.BLUE and read.plate_type is PlateType.SMALL


@needs_font
@pytest.mark.parametrize("i", range(len(MENG_B + MENG_B_NEW_ENERGY)))
def test_rendered_meng_b_in_a_warped_frame(reader: PlateReader, i: int) -> None:
    plate = (MENG_B + MENG_B_NEW_ENERGY)[i]
    frame = in_frame(
        render_plate(plate), at=(200 + 15 * i, 500 + 20 * i), skew=0.08 * (i % 3), seed=i
    )
    reads = reader.read_frame(frame)
    assert [r.plate for r in reads][:1] == [plate]
    box = reads[0].box
    assert box is not None and abs(box[0] - (200 + 15 * i)) < 20


def test_margin_and_equalise_keep_the_strip_readable(reader: PlateReader) -> None:
    from gangting.identification.plates.reader import equalise, with_margin

    strip = render_plate("蒙B8G6S5")
    padded = with_margin(strip, 0.10, 0.10)
    h, w = strip.shape[:2]
    assert padded.shape[:2] == (h + 2 * int(h * 0.10), w + 2 * int(w * 0.10))
    assert np.array_equal(padded[int(h * 0.10) :, int(w * 0.10) :][:h, :w], strip)
    # a washed-out copy (a quarter of the contrast) gets its contrast back
    faded = (strip.astype(np.float32) * 0.25 + 150).astype(np.uint8)
    grey = cv2.cvtColor(faded, cv2.COLOR_BGR2GRAY)
    assert cv2.cvtColor(equalise(faded), cv2.COLOR_BGR2GRAY).std() > grey.std()
    read = reader.read_crop(faded)
    assert read is not None and read.plate == "蒙B8G6S5"


def test_an_uncertain_read_gets_a_second_look(reader: PlateReader) -> None:
    calls: list[tuple[int, int]] = []
    recognise = reader.recogniser.recognise

    def spy(strip: np.ndarray, lengths: tuple[int, ...] = (7, 8)) -> object:
        calls.append(strip.shape[:2])
        return recognise(strip, lengths)

    reader.recogniser.recognise = spy  # type: ignore[method-assign,assignment]
    try:
        sure = reader.read_crop(render_plate("蒙B12345"))
        assert sure is not None and len(calls) == 1  # confident: one look
        calls.clear()
        assert reader.read_crop(np.full((24, 94, 3), 127, np.uint8)) is None
        assert len(calls) == 2  # nothing valid in grey: the second look was taken
    finally:
        del reader.recogniser.recognise
