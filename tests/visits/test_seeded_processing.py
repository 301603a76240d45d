"""The seed's violation history: a district's first booth shortens its drivers' days from a
violation to its processing by the built-in PROCESSING_DAYS_EFFECT (no database)."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from statistics import mean

from gangting.kernel.calendar import add_years
from gangting.kernel.clock import city_date
from gangting.seed.fleet import PlateFactory, make_vehicle
from gangting.seed.history import History
from gangting.seed.licensing import make_licence
from gangting.seed.people import IdNumberFactory, make_person
from gangting.seed.places import camera_sites
from gangting.seed.visits import PROCESSING_DAYS_EFFECT
from gangting.violations.catalogue import load_catalogue

TODAY = date(2026, 12, 6)
TREATED, CONTROL = "150203", "150205"


def test_a_two_by_two_did_recovers_the_built_in_processing_effect() -> None:
    rng = random.Random(5)
    opened = add_years(TODAY, -3).replace(day=1) + timedelta(days=366)
    history = History(rng, TODAY, load_catalogue(), camera_sites(rng), [], {TREATED: opened})
    ids, plates = IdNumberFactory(rng), PlateFactory(rng, "蒙B")
    area_of: dict[uuid.UUID, str] = {}
    for n in range(12_000):
        area = TREATED if n % 2 else CONTROL
        person = make_person(rng, ids, TODAY)
        licence = make_licence(
            rng,
            citizen_id=person.id,
            id_number=person.id_number,
            birth=person.birth_date,
            today=TODAY,
        )
        vehicle = make_vehicle(
            rng, plates, owner_id=person.id, earliest=licence.first_issued_on, today=TODAY
        )
        area_of[vehicle.id] = area
        history.random_for_vehicle(vehicle, licence, area)
    rows = history.take_rows()
    occurred = {v[0]: (city_date(v[3]), area_of[v[6]]) for v in rows.violations}  # type: ignore[arg-type,index]
    cells: dict[tuple[str, bool], list[int]] = {}
    horizon = TODAY - timedelta(days=150)  # later violations may not be decided yet
    for d in rows.decisions:
        day, area = occurred[d[2]]
        if day < horizon:
            lag = (city_date(d[7]) - day).days  # type: ignore[arg-type]
            cells.setdefault((area, day >= opened), []).append(lag)
    did = (mean(cells[TREATED, True]) - mean(cells[TREATED, False])) - (
        mean(cells[CONTROL, True]) - mean(cells[CONTROL, False])
    )
    assert abs(did - PROCESSING_DAYS_EFFECT) < 1.2, did
    # The common trend: the control's drivers got faster too, so before/after alone is wrong.
    assert mean(cells[CONTROL, True]) < mean(cells[CONTROL, False]) - 0.5
