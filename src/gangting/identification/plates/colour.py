"""Plate colour and type from the rectified strip's HSV pixels and the plate text.

GA 36-2018 colours: blue (small cars, 7 characters), yellow (large vehicles, learners,
7), green new-energy (8: gradient green for small, yellow-green for large), white
(police, military: not parsed by ``vehicles.rules``), black (foreign, Hong Kong/Macao).
"""

from __future__ import annotations

from enum import StrEnum

import cv2
import numpy as np
from numpy.typing import NDArray


class PlateColour(StrEnum):
    BLUE = "blue"
    YELLOW = "yellow"
    GREEN = "green"
    WHITE = "white"
    BLACK = "black"
    UNKNOWN = "unknown"


class PlateType(StrEnum):
    SMALL = "small"  # 小型汽车号牌: blue, 7 characters
    LARGE = "large"  # 大型汽车号牌: yellow, 7 characters
    NEW_ENERGY_SMALL = "new_energy_small"  # 小型新能源: green gradient, 8
    NEW_ENERGY_LARGE = "new_energy_large"  # 大型新能源: yellow-green, 8
    OTHER = "other"  # white/black or unknown colour


# OpenCV hue is 0..179
_HUE_RANGES: dict[PlateColour, tuple[int, int]] = {
    PlateColour.YELLOW: (12, 34),
    PlateColour.GREEN: (35, 85),
    PlateColour.BLUE: (86, 130),
}


def colour_fractions(strip: NDArray[np.uint8]) -> dict[PlateColour, float]:
    """Share of the strip's pixels per colour (saturated hue bands, white, black)."""
    small = cv2.resize(strip, (64, 20), interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV).reshape(-1, 3).astype(np.int32)
    h, s, v = hsv[:, 0], hsv[:, 1], hsv[:, 2]
    saturated = (s > 70) & (v > 60)
    out = {
        c: float(np.mean(saturated & (h >= lo) & (h <= hi))) for c, (lo, hi) in _HUE_RANGES.items()
    }
    out[PlateColour.WHITE] = float(np.mean((s < 50) & (v > 150)))
    out[PlateColour.BLACK] = float(np.mean(v < 60))
    return out


def classify_colour(strip: NDArray[np.uint8]) -> PlateColour:
    """The plate's background colour (the dominant saturated band, else white/black)."""
    f = colour_fractions(strip)
    hue = max(_HUE_RANGES, key=lambda c: f[c])
    if f[hue] >= 0.25:
        return hue
    if f[PlateColour.WHITE] >= 0.4:
        return PlateColour.WHITE
    if f[PlateColour.BLACK] >= 0.4:
        return PlateColour.BLACK
    if f[hue] >= 0.12:
        return hue
    return PlateColour.UNKNOWN


def expected_lengths(colour: PlateColour) -> tuple[int, ...]:
    """Plate lengths the grammar accepts for a colour: blue 7; otherwise 7 or 8."""
    if colour is PlateColour.BLUE:
        return (7,)  # blue plates are never new-energy
    return (7, 8)  # green can be a cyan-ish blue plate; yellow-green large new-energy


def plate_type(colour: PlateColour, text: str) -> PlateType:
    """The plate type from colour and text length (8 characters = new energy)."""
    if len(text) == 8:
        if text[-1] in "DF" and text[2:7].isdigit():
            return PlateType.NEW_ENERGY_LARGE
        return PlateType.NEW_ENERGY_SMALL
    if colour is PlateColour.BLUE:
        return PlateType.SMALL
    if colour is PlateColour.YELLOW:
        return PlateType.LARGE
    return PlateType.OTHER
