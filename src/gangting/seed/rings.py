"""Patterns planted in the demo city for the supervision office's detectors (issue 11 §3).

One point-trading ring (买分卖分, 记分办法 第30条): ``RING_DRIVERS`` licence holders each take
a 1-point decision for a car of each of ``RING_OWNERS`` other owners, in the last months,
decided and paid on time. The detectors show it as ``points.many_owners`` cases (each driver:
4 other owners) and a ``points.dense_block`` (the 3 x 4 block). The drivers are licence
holders with no points of their own, so no licence changes status; every other decision of
the city keeps its driver = owner.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from gangting.seed.fleet import VehicleDraft
from gangting.seed.history import History
from gangting.seed.licensing import LicenceDraft

RING_DRIVERS = 3
RING_OWNERS = 4
RING_CODE = "1344"  # 驾驶机动车违反禁令标志指示的: 1 point, camera-processable


def plant_point_ring(
    history: History,
    rng: random.Random,
    licences: list[LicenceDraft],
    vehicles: list[VehicleDraft],
    today: date,
) -> tuple[list[LicenceDraft], list[VehicleDraft]]:
    """Add the ring's decisions to ``history``; the drivers and cars it used (empty when
    the chunk is too small to hold a ring)."""
    drivers = [
        lic
        for lic in licences
        if lic.status == "valid"
        and lic.learner_until is None
        and not history.cycle_points.get(lic.citizen_id)
    ][:RING_DRIVERS]
    taken = {d.citizen_id for d in drivers}
    cars: list[VehicleDraft] = []
    for vehicle in vehicles:
        owners = {c.owner_id for c in cars}
        if (
            vehicle.kind == "small_passenger"
            and vehicle.status == "normal"
            and vehicle.owner_id not in taken | owners
            and vehicle.registered_on < today - timedelta(days=400)
        ):
            cars.append(vehicle)
        if len(cars) == RING_OWNERS:
            break
    if len(drivers) < RING_DRIVERS or len(cars) < RING_OWNERS:
        return [], []
    for driver in drivers:
        for car in cars:
            occurred_on = today - timedelta(days=rng.randrange(40, 300))
            history.add(
                car,
                driver,
                RING_CODE,
                occurred_on,
                area="150203",
                decided_on=occurred_on + timedelta(days=5),
                payment="on_time",
            )
        history.settle_licence(driver)
    return drivers, cars
