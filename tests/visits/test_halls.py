"""The service halls' package data loads and every hall says where it comes from."""

from __future__ import annotations

from gangting.geo.districts import baotou_districts
from gangting.visits.halls import distance_km, nearest_hall, service_halls


def test_the_halls_load_with_a_source_and_a_known_district() -> None:
    halls = service_halls()
    assert len(halls) >= 5
    districts = baotou_districts()
    for hall in halls:
        assert hall.district_code in districts
        assert len(hall.code) <= 16
        assert hall.source
        shape = districts[hall.district_code]
        x0, y0, x1, y1 = shape.bbox
        assert x0 <= hall.longitude <= x1 and y0 <= hall.latitude <= y1


def test_every_district_has_a_nearest_hall_and_its_own_hall_is_nearest() -> None:
    own = {h.district_code: h for h in service_halls()}
    for code in baotou_districts():
        hall, km = nearest_hall(code)
        if code in own:
            assert hall == own[code] and km < 0.01
        else:
            assert 5 < km < 200


def test_distance_km_between_two_known_points() -> None:
    # One degree of latitude is about 111.2 km.
    assert abs(distance_km((110.0, 40.0), (110.0, 41.0)) - 111.2) < 0.2
