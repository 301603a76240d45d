"""Invented vehicles of 蒙B: unique plates (GA 36-2018 formats), kinds and uses, and the
inspection, insurance and tax state that the booth checks for an inspection mark."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate

from gangting.kernel.calendar import add_months, add_years
from gangting.kernel.ids import new_id
from gangting.vehicles.rules import Use, VehicleKind, VehicleStatus, inspection_due

_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # GA 36-2018: no I, no O
_DIGITS = "0123456789"
_ALNUM = _DIGITS + _LETTERS

# (kind, use, weight, seats choices, van share)
_KINDS: tuple[tuple[VehicleKind, Use, float], ...] = (
    (VehicleKind.SMALL_PASSENGER, Use.NON_OPERATING, 80.0),
    (VehicleKind.SMALL_PASSENGER, Use.OPERATING, 3.0),  # taxis, ride-hailing
    (VehicleKind.GOODS, Use.NON_OPERATING, 4.0),
    (VehicleKind.GOODS, Use.OPERATING, 4.5),
    (VehicleKind.LARGE_PASSENGER, Use.OPERATING, 1.0),
    (VehicleKind.LARGE_PASSENGER, Use.NON_OPERATING, 0.5),
    (VehicleKind.MOTORCYCLE, Use.NON_OPERATING, 6.0),
    (VehicleKind.OTHER, Use.NON_OPERATING, 1.0),
)
_KIND_CUM = tuple(accumulate(w for *_, w in _KINDS))
# Vehicles per driver: mean ≈ 0.88 after learners (RULES.md §8: 90.5万 cars, 103万 drivers).
_OWNED = (0, 1, 2, 3)
_OWNED_CUM = tuple(accumulate((29.0, 55.0, 12.5, 3.5)))


@dataclass(slots=True)
class VehicleDraft:
    id: uuid.UUID
    plate_no: str
    kind: str
    use: str
    seats: int
    is_van: bool
    new_energy: bool
    registered_on: date
    owner_id: uuid.UUID
    compulsory_insurance_until: date
    vehicle_tax_ok: bool
    inspection_valid_until: date
    status: str
    illegally_modified: bool
    injury_accident: bool
    unprocessed_accidents: int

    def row(self) -> tuple[object, ...]:
        return (
            self.id,
            self.plate_no,
            self.kind,
            self.use,
            self.seats,
            self.is_van,
            self.new_energy,
            self.registered_on,
            self.owner_id,
            self.compulsory_insurance_until,
            self.vehicle_tax_ok,
            self.inspection_valid_until,
            self.status,
            self.illegally_modified,
            self.injury_accident,
            self.unprocessed_accidents,
        )


VEHICLE_COLUMNS = (
    "id",
    "plate_no",
    "kind",
    "use",
    "seats",
    "is_van",
    "new_energy",
    "registered_on",
    "owner_id",
    "compulsory_insurance_until",
    "vehicle_tax_ok",
    "inspection_valid_until",
    "status",
    "illegally_modified",
    "injury_accident",
    "unprocessed_accidents",
)


class PlateFactory:
    """Unique 蒙B plates: ordinary 5-character serials and new-energy 6-character serials
    (small: D/F + letter or digit + 4 digits; large: 5 digits + D/F)."""

    def __init__(self, rng: random.Random, prefix: str = "蒙B") -> None:
        self._rng = rng
        self._prefix = prefix
        self._used: set[str] = set()

    def _serial(self, new_energy: bool, large: bool) -> str:
        rng = self._rng
        if new_energy and large:
            return "".join(rng.choices(_DIGITS, k=5)) + rng.choice("DF")
        if new_energy:
            return rng.choice("DDDF") + rng.choice(_ALNUM) + "".join(rng.choices(_DIGITS, k=4))
        r = rng.random()
        if r < 0.3:
            return "".join(rng.choices(_DIGITS, k=5))
        if r < 0.7:
            return rng.choice(_LETTERS) + "".join(rng.choices(_DIGITS, k=4))
        return "".join(rng.choice(_LETTERS if rng.random() < 0.3 else _DIGITS) for _ in range(5))

    def make(self, *, new_energy: bool, large: bool = False) -> str:
        while True:
            plate = self._prefix + self._serial(new_energy, large)
            if plate not in self._used:
                self._used.add(plate)
                return plate


@lru_cache(maxsize=65536)
def _inspection_until(
    reg_month: date,
    kind: VehicleKind,
    use: Use,
    seats: int,
    is_van: bool,
    modified: bool,
    injury: bool,
    on: date,
) -> date:
    # Only the registration month matters to the schedule, so the cache stays small.
    return inspection_due(
        reg_month,
        kind,
        use,
        seats,
        is_van,
        on=on,
        illegally_modified=modified,
        injury_accident=injury,
    ).valid_until


def inspection_valid_until(
    registered_on: date,
    kind: VehicleKind,
    use: Use,
    seats: int,
    is_van: bool,
    modified: bool,
    injury: bool,
    on: date,
) -> date:
    """The validity end of the inspection cycle running on ``on`` (vehicles.rules)."""
    return _inspection_until(
        registered_on.replace(day=1), kind, use, seats, is_van, modified, injury, on
    )


def overdue_inspection_until(draft: VehicleDraft, today: date) -> date | None:
    """An already-ended cycle of the vehicle's schedule (it missed its inspection), or None
    when the vehicle is too new to have had a cycle end."""
    kind, use = VehicleKind(draft.kind), Use(draft.use)
    for months_back in range(1, 61):
        on = add_months(today, -months_back)
        if on <= draft.registered_on:
            return None
        until = inspection_valid_until(
            draft.registered_on,
            kind,
            use,
            draft.seats,
            draft.is_van,
            draft.illegally_modified,
            draft.injury_accident,
            on,
        )
        if until < today:
            return until
    return None


def insurance_until(registered_on: date, today: date, *, lapsed: bool) -> date:
    """交强险 runs a year from each registration anniversary; a lapsed one ended on the last
    anniversary before ``today``."""
    years = max(1, today.year - registered_on.year)
    until = add_years(registered_on, years) - timedelta(days=1)
    while until < today:
        years += 1
        until = add_years(registered_on, years) - timedelta(days=1)
    if lapsed:
        previous = add_years(registered_on, years - 1) - timedelta(days=1)
        return previous if previous > registered_on else today - timedelta(days=1)
    return until


def owned_count(rng: random.Random) -> int:
    return rng.choices(_OWNED, cum_weights=_OWNED_CUM)[0]


def make_vehicle(
    rng: random.Random,
    plates: PlateFactory,
    *,
    owner_id: uuid.UUID,
    earliest: date,
    today: date,
    clean: bool = False,
    registered_on: date | None = None,
    kind_use: tuple[VehicleKind, Use] | None = None,
) -> VehicleDraft:
    """One vehicle registered on or after ``earliest`` (the owner's first licence).

    ``clean``: a normal small car with valid insurance, tax and inspection (demo personas).
    """
    if kind_use is None:
        kind, use, _ = rng.choices(_KINDS, cum_weights=_KIND_CUM)[0]
    else:
        kind, use = kind_use
    if registered_on is None:
        lo = max(earliest, today - timedelta(days=20 * 365))
        hi = today - timedelta(days=7)
        span = max(0, (hi - lo).days)
        registered_on = lo + timedelta(days=int(span * rng.random() ** 0.8))
    is_van = False
    new_energy = False
    large_plate = False
    if kind is VehicleKind.SMALL_PASSENGER:
        seats = rng.choices((5, 7, 4), cum_weights=(85, 97, 100))[0]
        is_van = not clean and use is Use.NON_OPERATING and rng.random() < 0.04
        if is_van:
            seats = rng.choice((7, 8))
        # New-energy cars are recent: most registered in the last 6 years.
        recent = (today - registered_on).days < 6 * 365
        new_energy = not is_van and rng.random() < (0.16 if recent else 0.01)
    elif kind is VehicleKind.LARGE_PASSENGER:
        seats = rng.choice((19, 23, 33, 45, 49, 55))
        new_energy = large_plate = use is Use.OPERATING and rng.random() < 0.5
    elif kind is VehicleKind.GOODS:
        seats = rng.choice((2, 3, 3, 5))
        new_energy = large_plate = rng.random() < 0.03
    elif kind is VehicleKind.MOTORCYCLE:
        seats = rng.choice((1, 2, 2))
    else:
        seats = 1
    modified = not clean and rng.random() < 0.01
    injury = not clean and rng.random() < 0.01
    status = VehicleStatus.NORMAL
    if not clean:
        r = rng.random()
        age_years = (today - registered_on).days / 365
        if r < 0.012:
            status = VehicleStatus.SCRAPPED if age_years > 8 else VehicleStatus.NORMAL
        elif r < 0.014:
            status = VehicleStatus.STOLEN
        elif r < 0.017:
            status = VehicleStatus.SEIZED
    draft = VehicleDraft(
        id=new_id(),
        plate_no=plates.make(new_energy=new_energy, large=large_plate),
        kind=kind.value,
        use=use.value,
        seats=seats,
        is_van=is_van,
        new_energy=new_energy,
        registered_on=registered_on,
        owner_id=owner_id,
        compulsory_insurance_until=insurance_until(
            registered_on, today, lapsed=not clean and rng.random() < 0.025
        ),
        vehicle_tax_ok=clean or rng.random() < 0.97,
        inspection_valid_until=inspection_valid_until(
            registered_on, kind, use, seats, is_van, modified, injury, today
        ),
        status=status.value,
        illegally_modified=modified,
        injury_accident=injury,
        unprocessed_accidents=0 if clean or rng.random() > 0.004 else 1,
    )
    if not clean and status is VehicleStatus.NORMAL and rng.random() < 0.05:
        overdue = overdue_inspection_until(draft, today)
        if overdue is not None:
            draft.inspection_valid_until = overdue
    return draft
