"""The document OCR engine: RapidOCR 3.10.0 with its PP-OCRv6 small models, offline.

    engine = OcrEngine(threads=2)       # nothing is loaded yet
    lines = engine.read(image_bgr)      # first call loads the three models, once
    lines[0].text, lines[0].score, lines[0].box

The three ONNX files (text detector, text recogniser, 0/180-degree line classifier) ship
inside the ``rapidocr==3.10.0`` wheel (``rapidocr/models/``); they are passed to RapidOCR by
explicit ``model_path``, so RapidOCR never enters its download path. The recogniser's
character dictionary is stored in the recogniser's own metadata (``character``), so no
dictionary file is needed either. Sources, checksums and licences:
``identification/models/SOURCE.md``.

RapidOCR 3.x keeps the per-call ``use_det/use_cls/use_rec`` flags as state: every call
here passes all three, and one lock serialises calls on one engine.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"

Point = tuple[float, float]


def model_dir() -> Path:
    """The folder of the model files inside the installed ``rapidocr`` package."""
    return Path(str(resources.files("rapidocr") / "models"))


@dataclass(frozen=True)
class TextLine:
    """One detected and recognised text box.

    ``box`` is the quadrilateral in image pixels, clockwise from the top-left corner as
    RapidOCR returns it; ``score`` is the recogniser's mean character probability (0..1).
    """

    text: str
    score: float
    box: tuple[Point, Point, Point, Point]

    @property
    def centre(self) -> Point:
        xs = [p[0] for p in self.box]
        ys = [p[1] for p in self.box]
        return (sum(xs) / 4, sum(ys) / 4)

    @property
    def height(self) -> float:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = self.box
        return float((np.hypot(x3 - x0, y3 - y0) + np.hypot(x2 - x1, y2 - y1)) / 2)

    @property
    def width(self) -> float:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = self.box
        return float((np.hypot(x1 - x0, y1 - y0) + np.hypot(x2 - x3, y2 - y3)) / 2)

    @property
    def angle(self) -> float:
        """Direction of the box's top and bottom edges, radians (0 = level, y down)."""
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = self.box
        return float(np.arctan2((y1 - y0) + (y2 - y3), (x1 - x0) + (x2 - x3)))


class OcrEngine:
    """Text detection + recognition on a BGR image; models loaded lazily, once per engine.

    ``threads`` is onnxruntime's intra-op thread count for each of the three models.
    ``use_cls`` runs the 0/180-degree line classifier (a card laid upside down still reads;
    it costs a few milliseconds a line). ``det_max_side`` caps the longer side of the image
    the text detector sees (recognition still reads the full-resolution crops); None keeps
    RapidOCR's default, which scales the *shorter* side to 736 and so detects a 1280 x 960
    document-camera frame at full size, about twice the time for the same boxes.
    """

    def __init__(
        self, *, threads: int = 2, use_cls: bool = True, det_max_side: int | None = 960
    ) -> None:
        if threads < 1:
            raise ValueError("threads must be >= 1")
        self.threads = threads
        self.use_cls = use_cls
        self.det_max_side = det_max_side
        self._ocr: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._ocr is not None

    def load(self) -> None:
        """Load the three models now (otherwise the first ``read`` does)."""
        with self._lock:
            self._load_locked()

    def _load_locked(self) -> None:
        if self._ocr is not None:
            return
        from rapidocr import RapidOCR  # heavy import (omegaconf, shapely): only when used

        folder = model_dir()
        paths = {key: folder / name for key, name in _MODELS.items()}
        missing = [str(p) for p in paths.values() if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"OCR model files missing (rapidocr==3.10.0?): {missing}")
        params: dict[str, Any] = {
            "Global.log_level": "warning",
            "Global.use_det": True,
            "Global.use_cls": self.use_cls,
            "Global.use_rec": True,
            "Global.model_root_dir": str(folder),
            "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        if self.det_max_side is not None:
            params["Det.limit_type"] = "max"
            params["Det.limit_side_len"] = self.det_max_side
        for key, path in paths.items():
            params[f"{key}.model_path"] = str(path)
        self._ocr = RapidOCR(params=params)

    def read(self, image: NDArray[np.uint8]) -> list[TextLine]:
        """All text boxes in ``image`` (BGR or grey uint8), in RapidOCR's reading order."""
        if image.ndim not in (2, 3) or image.size == 0:
            raise ValueError("image must be a non-empty grey or BGR array")
        with self._lock:
            self._load_locked()
            out = self._ocr(image, use_det=True, use_cls=self.use_cls, use_rec=True)
        if out.txts is None or out.boxes is None or out.scores is None:
            return []
        lines: list[TextLine] = []
        for box, text, score in zip(out.boxes, out.txts, out.scores, strict=True):
            pts = tuple((float(x), float(y)) for x, y in np.asarray(box).reshape(4, 2))
            lines.append(TextLine(str(text), float(score), (pts[0], pts[1], pts[2], pts[3])))
        return lines


_MODELS = {"Det": DET_MODEL, "Rec": REC_MODEL, "Cls": CLS_MODEL}

_shared: dict[int, OcrEngine] = {}
_shared_lock = threading.Lock()


def shared_engine(threads: int = 2) -> OcrEngine:
    """One engine per thread count for the process (so the models are loaded once)."""
    with _shared_lock:
        engine = _shared.get(threads)
        if engine is None:
            engine = _shared[threads] = OcrEngine(threads=threads)
        return engine
