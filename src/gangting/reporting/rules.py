"""The service KPIs' arithmetic, pure (issue 13 §2; docs/decisions/0024-reports.md): the
distances of the kilometres saved, the assumptions of the officer hours saved, and the
ratios. No regulation sets these; they are this project's stated method ([U]), each
assumption a setting (``config.Settings.report_*``).

Kilometres saved by one booth visit: the citizen would otherwise have gone to the service
hall (服务大厅) nearest to their home district's centroid and back; they went to the booth and
back instead. Both legs are straight-line (haversine) distances from the home district's
centroid, times a road factor::

    km_saved = 2 * road_factor * (haversine(home, nearest hall) - haversine(home, booth))

Net, not clipped: a booth farther from home than the nearest hall counts negative (the
citizen chose it for another reason; the report does not hide that). A visit without a home
district is counted as a trip saved but adds no kilometres.

Officer hours saved by one completed booth matter: the minutes a hall counter clerk spends
on a matter, less the minutes an officer still spends on a booth matter (remote help,
checks), over 60.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius


@dataclass(frozen=True)
class Place:
    """A named point: (longitude, latitude) in degrees (WGS-84 / GCJ-02 alike at this
    scale)."""

    code: str
    longitude: float
    latitude: float


@dataclass(frozen=True)
class Assumptions:
    """The stated assumptions of trips, kilometres and hours saved."""

    counter_minutes_per_matter: float = 15.0
    booth_officer_minutes_per_matter: float = 2.0
    booth_hours_per_day: float = 12.0
    road_factor: float = 1.3


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km between two (longitude, latitude) points in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def nearest(origin: tuple[float, float], places: Iterable[Place]) -> tuple[Place, float]:
    """The place nearest to ``origin`` (lon, lat) and its distance in km; ValueError if
    there is none."""
    best: tuple[Place, float] | None = None
    for place in places:
        d = haversine_km(origin[0], origin[1], place.longitude, place.latitude)
        if best is None or d < best[1]:
            best = (place, d)
    if best is None:
        raise ValueError("no service hall configured")
    return best


def km_saved_per_visit(
    home: tuple[float, float],
    booth: tuple[float, float],
    halls: Iterable[Place],
    road_factor: float,
) -> float:
    """Round-trip road kilometres one booth visit saves against the nearest hall (net)."""
    _, to_hall = nearest(home, halls)
    to_booth = haversine_km(home[0], home[1], booth[0], booth[1])
    return 2.0 * road_factor * (to_hall - to_booth)


def officer_hours_saved(completed_matters: int, assumptions: Assumptions) -> float:
    """Hours of counter time the completed booth matters saved."""
    per_matter = (
        assumptions.counter_minutes_per_matter - assumptions.booth_officer_minutes_per_matter
    )
    return completed_matters * per_matter / 60.0


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, None when there is nothing to divide by."""
    return numerator / denominator if denominator else None
