"""The plate reader: detect -> rectify -> colour -> recognise under the grammar.

    reader = PlateReader()               # loads the two shipped ONNX models
    reads = reader.read_frame(frame)     # full camera frame (BGR ndarray)
    read = reader.read_crop(strip)       # an already cropped plate

A ``PlateRead`` is returned only for text that is a valid GA 36 plate and whose overall
confidence reaches ``min_confidence``; everything else is junk and dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        self, *, threads: int = 1, max_side: int = 640, min_confidence: float = 0.05
    ) -> None:
        self.detector = PlateDetector(threads=threads, max_side=max_side)
        self.recogniser = Recogniser(threads=threads)
        self.min_confidence = min_confidence

    def read_crop(self, strip: NDArray[np.uint8]) -> PlateRead | None:
        """Read an upright plate crop (BGR)."""
        colour = classify_colour(strip)
        rec = self.recogniser.recognise(strip, expected_lengths(colour))
        return self._accept(rec, colour, None, None, 1.0)

    def read_frame(self, frame: NDArray[np.uint8]) -> list[PlateRead]:
        """All plates read in a full BGR frame, best detection first."""
        reads: list[PlateRead] = []
        for det in self.detector.detect(frame):
            strip = rectify(frame, det.corners)
            colour = classify_colour(strip)
            rec = self.recogniser.recognise(strip, expected_lengths(colour))
            read = self._accept(rec, colour, det.box, det.corners, det.score)
            if read is not None and all(r.plate != read.plate for r in reads):
                reads.append(read)
        return reads

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
