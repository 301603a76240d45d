"""Baotou's county-level districts from the packaged GeoJSON (data/SOURCE.md), and a
stdlib point-in-polygon test (even-odd rule over every ring, so holes are respected)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

Ring = tuple[tuple[float, float], ...]
GEOJSON_NAME = "baotou_150200_full.geojson"


@dataclass(frozen=True)
class DistrictShape:
    """One district: GB/T 2260 code, name, seat (``center``), centroid and polygons.

    ``polygons`` holds each polygon as its rings (outer ring first, then holes), each ring
    a tuple of (longitude, latitude).
    """

    code: str
    name: str
    center: tuple[float, float]
    centroid: tuple[float, float]
    polygons: tuple[tuple[Ring, ...], ...]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat) over all outer rings."""
        xs = [x for polygon in self.polygons for x, _ in polygon[0]]
        ys = [y for polygon in self.polygons for _, y in polygon[0]]
        return min(xs), min(ys), max(xs), max(ys)

    def contains(self, lon: float, lat: float) -> bool:
        return any(point_in_polygon(lon, lat, polygon) for polygon in self.polygons)


def point_in_ring(lon: float, lat: float, ring: Ring) -> bool:
    """Even-odd ray casting: is (lon, lat) inside the closed ring? Points on an edge may go
    either way (irrelevant for random points)."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_polygon(lon: float, lat: float, rings: tuple[Ring, ...]) -> bool:
    """Inside the outer ring and outside every hole."""
    if not rings or not point_in_ring(lon, lat, rings[0]):
        return False
    return not any(point_in_ring(lon, lat, hole) for hole in rings[1:])


@cache
def baotou_districts() -> dict[str, DistrictShape]:
    """The 9 county-level units of 包头市, keyed by 6-digit area code."""
    text = (resources.files("gangting.geo") / "data" / GEOJSON_NAME).read_text(encoding="utf-8")
    collection = json.loads(text)
    result: dict[str, DistrictShape] = {}
    for feature in collection["features"]:
        props = feature["properties"]
        geometry = feature["geometry"]
        raw = geometry["coordinates"]
        polygons_raw = raw if geometry["type"] == "MultiPolygon" else [raw]
        polygons = tuple(
            tuple(tuple((float(x), float(y)) for x, y in ring) for ring in polygon)
            for polygon in polygons_raw
        )
        code = str(props["adcode"])
        result[code] = DistrictShape(
            code=code,
            name=str(props["name"]),
            center=(float(props["center"][0]), float(props["center"][1])),
            centroid=(float(props["centroid"][0]), float(props["centroid"][1])),
            polygons=polygons,
        )
    return result
