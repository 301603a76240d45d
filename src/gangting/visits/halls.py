"""Service halls (车管业务大厅): where a citizen went before the booths, and still goes for
what a booth does not do. Package data ``data/service_halls.csv``; every row says in its
``source`` column where it comes from (the demo halls are marked as demo values).

Distances (trips and kilometres saved) are great-circle distances between a hall and a
district's seat (``gangting.geo.districts.baotou_districts()[code].center``), the same
seat the demo city places its people around (``seed.places.point_in_district``).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

from gangting.geo.districts import baotou_districts

HALLS_CSV = "service_halls.csv"
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Hall:
    code: str
    name: str
    district_code: str
    longitude: float
    latitude: float
    address: str = ""
    source: str = ""


@cache
def service_halls() -> tuple[Hall, ...]:
    """Every service hall of the packaged data, in file order."""
    text = resources.files("gangting.visits").joinpath("data", HALLS_CSV).read_text("utf-8")
    halls = tuple(
        Hall(
            code=row["code"],
            name=row["name"],
            district_code=row["district_code"],
            longitude=float(row["longitude"]),
            latitude=float(row["latitude"]),
            address=row["address"],
            source=row["source"],
        )
        for row in csv.DictReader(io.StringIO(text))
    )
    if len({h.code for h in halls}) != len(halls):
        raise ValueError("service_halls.csv: duplicate hall code")
    return halls


def hall_by_code(code: str) -> Hall | None:
    return next((h for h in service_halls() if h.code == code), None)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance between two (longitude, latitude) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def district_seat(district_code: str) -> tuple[float, float] | None:
    """(longitude, latitude) of a Baotou district's seat, or None for an unknown code."""
    shape = baotou_districts().get(district_code)
    return shape.center if shape is not None else None


def nearest_hall(district_code: str) -> tuple[Hall, float]:
    """The hall nearest to a district's seat and its distance in km (the trip a resident
    of that district made before a booth opened near home)."""
    seat = district_seat(district_code)
    if seat is None:
        raise KeyError(district_code)
    return min(
        ((h, distance_km(seat, (h.longitude, h.latitude))) for h in service_halls()),
        key=lambda pair: pair[1],
    )
