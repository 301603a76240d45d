"""The OCR engine: models from the installed wheel, no network, loaded lazily and once."""

from __future__ import annotations

import hashlib
import socket
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from gangting.identification.documents import OcrEngine, shared_engine
from gangting.identification.documents.engine import CLS_MODEL, DET_MODEL, REC_MODEL, model_dir
from tests.identification.documents.render import SANS

# The checksums RapidOCR 3.10.0 itself records for these files (default_models.yaml), also
# listed in src/gangting/identification/models/SOURCE.md.
SHA256 = {
    DET_MODEL: "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f",
    REC_MODEL: "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884",
    CLS_MODEL: "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
}


@pytest.mark.parametrize("name", sorted(SHA256))
def test_model_files_ship_in_the_rapidocr_wheel_unchanged(name: str) -> None:
    path = model_dir() / name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SHA256[name]


def test_loading_the_models_opens_no_network_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the OCR engine tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    engine = OcrEngine(threads=1)
    assert not engine.loaded
    engine.load()
    assert engine.loaded
    assert engine.read(np.full((64, 64, 3), 255, np.uint8)) == []


def test_shared_engine_is_one_per_thread_count_and_not_loaded_until_used() -> None:
    assert shared_engine(3) is shared_engine(3)
    assert shared_engine(3) is not shared_engine(4)
    assert not shared_engine(4).loaded


def test_bad_arguments_are_refused(engine: OcrEngine) -> None:
    with pytest.raises(ValueError):
        OcrEngine(threads=0)
    with pytest.raises(ValueError):
        engine.read(np.zeros((0, 0, 3), np.uint8))


def test_reads_text_with_its_box_and_score(engine: OcrEngine) -> None:
    canvas = Image.new("RGB", (640, 200), (250, 250, 250))
    ImageDraw.Draw(canvas).text(
        (100, 70), "包头市昆都仑区", font=ImageFont.truetype(str(SANS), 40, index=2), fill=(0, 0, 0)
    )
    (line,) = engine.read(np.asarray(canvas)[:, :, ::-1].copy())
    assert line.text == "包头市昆都仑区"
    assert 0.9 < line.score <= 1.0
    x, y = line.centre
    assert 100 < x < 100 + 7 * 40 and 70 < y < 70 + 60
    assert abs(line.angle) < 0.05
