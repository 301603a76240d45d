"""The plate reader: detect -> rectify -> colour -> recognise under the grammar.

    reader = PlateReader()               # loads the two shipped ONNX models
    reads = reader.read_frame(frame)     # full camera frame (BGR ndarray)
    read = reader.read_crop(strip)       # an already cropped plate

A ``PlateRead`` is returned only for text that is a valid GA 36 plate and whose overall
confidence reaches ``min_confidence``; everything else is junk and dropped.

Two details chosen on the dev set (``shared/data/plates``, never on the evaluation set):
the strip gets a 5 % margin on each side before recognition (tight crops cut into the
province character), and an uncertain read (not valid, or a character below
``second_look_below``) gets a second look at a contrast-equalised (CLAHE) copy with a
wider margin; the more confident valid read wins. About 3 % of crops take the second look.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from gangting.identification.plates.colour import (
    PlateColour,
    PlateType,
    classify_colour,
    expected_lengths,
    plate_type,
)
from gangting.identification.plates.detector import PlateDetector, rectify
from gangting.identification.plates.recogniser import Recogniser, Recognition

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PlateRead:
    """One plate read in one image: compact text ('蒙B12345'), colour/type, confidences."""

    plate: str
    colour: PlateColour
    plate_type: PlateType
    char_confidences: tuple[float, ...]
    confidence: float  # recognition confidence x detection score
    box: Box | None  # (x1, y1, x2, y2) in the frame; None for a crop
    corners: tuple[tuple[float, float], ...] | None
    raw_text: str  # the unconstrained model output
    repaired: bool  # the grammar changed the model's greedy reading


class PlateReader:
    def __init__(
        self,
        *,
        threads: int = 1,
        max_side: int = 640,
        min_confidence: float = 0.05,
        second_look_below: float = 0.9,
    ) -> None:
        self.detector = PlateDetector(threads=threads, max_side=max_side)
        self.recogniser = Recogniser(threads=threads)
        self.min_confidence = min_confidence
        self.second_look_below = second_look_below

    def read_crop(self, strip: NDArray[np.uint8]) -> PlateRead | None:
        """Read an upright plate crop (BGR)."""
        colour = classify_colour(strip)
        rec = self._recognise(strip, colour)
        return self._accept(rec, colour, None, None, 1.0)

    def read_frame(self, frame: NDArray[np.uint8]) -> list[PlateRead]:
        """All plates read in a full BGR frame, best detection first."""
        reads: list[PlateRead] = []
        for det in self.detector.detect(frame):
            strip = rectify(frame, det.corners)
            colour = classify_colour(strip)
            rec = self._recognise(strip, colour)
            read = self._accept(rec, colour, det.box, det.corners, det.score)
            if read is not None and all(r.plate != read.plate for r in reads):
                reads.append(read)
        return reads

    def _recognise(self, strip: NDArray[np.uint8], colour: PlateColour) -> Recognition:
        """Recognise with a margin; take a second look at an uncertain read."""
        lengths = expected_lengths(colour)
        first = self.recogniser.recognise(with_margin(strip, 0.05), lengths)
        if first.valid and min(first.char_confidences) >= self.second_look_below:
            return first
        second = self.recogniser.recognise(with_margin(equalise(strip), 0.10, 0.10), lengths)
        if second.valid and (not first.valid or second.confidence > first.confidence):
            return second
        return first

    def _accept(
        self,
        rec: Recognition,
        colour: PlateColour,
        box: Box | None,
        corners: tuple[tuple[float, float], ...] | None,
        det_score: float,
    ) -> PlateRead | None:
        if not rec.valid:
            return None
        confidence = rec.confidence * min(1.0, det_score)
        if confidence < self.min_confidence:
            return None
        return PlateRead(
            plate=rec.text,
            colour=colour,
            plate_type=plate_type(colour, rec.text),
            char_confidences=rec.char_confidences,
            confidence=round(confidence, 4),
            box=box,
            corners=corners,
            raw_text=rec.raw_text,
            repaired=rec.constrained,
        )


def with_margin(strip: NDArray[np.uint8], across: float, down: float = 0.0) -> NDArray[np.uint8]:
    """The strip with ``across`` of its width added left and right and ``down`` of its
    height above and below, by replicating the border."""
    h, w = strip.shape[:2]
    dx, dy = int(w * across), int(h * down)
    out = cv2.copyMakeBorder(strip, dy, dy, dx, dx, cv2.BORDER_REPLICATE)
    return np.asarray(out, dtype=np.uint8)


def equalise(strip: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Contrast-limited histogram equalisation (CLAHE) of the lightness channel."""
    lab = cv2.cvtColor(strip, cv2.COLOR_BGR2LAB)
    lab[:, :, 0] = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4)).apply(lab[:, :, 0])
    return np.asarray(cv2.cvtColor(lab, cv2.COLOR_LAB2BGR), dtype=np.uint8)
