"""Three years of camera-recorded violations and what followed: penalty decisions (received
the day they are made, due 15 days later), payments with late fees, and the point ledger.

Every derived value comes from the rules: fines.rules.due_on / late_fee,
points.rules.scoring_cycle, the catalogue's points and default fine.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate, count

from gangting.fines.rules import due_on, late_fee
from gangting.kernel.calendar import add_years
from gangting.kernel.clock import CITY_ZONE
from gangting.kernel.ids import new_id
from gangting.licences.rules import scoring_cycle
from gangting.seed.fleet import VehicleDraft
from gangting.seed.licensing import LicenceDraft
from gangting.seed.places import DISTRICT_BY_CODE
from gangting.seed.visits import processing_mean_lag
from gangting.violations.catalogue import CatalogueEntry

POINTS_BASIS = "道路交通安全违法行为记分管理办法 第13条"
PROCESSING_BASIS = "道路交通安全违法行为处理程序规定 第58条"
HISTORY_YEARS = 3

VIOLATION_COLUMNS = (
    "id",
    "ref",
    "code",
    "occurred_at",
    "place",
    "plate_no",
    "vehicle_id",
    "evidence_ref",
    "state",
    "driver_id",
)
DECISION_COLUMNS = (
    "id",
    "decision_no",
    "violation_id",
    "citizen_id",
    "booth_id",
    "points",
    "fine_fen",
    "decided_at",
    "received_on",
    "due_on",
    "state",
    "paid_on",
    "late_fee_paid_fen",
    "pauses",
    "legal_basis",
)
PAYMENT_COLUMNS = (
    "id",
    "payment_no",
    "citizen_id",
    "booth_id",
    "amount_fen",
    "state",
    "created_at",
    "settled_at",
    "platform_ref",
    "failure",
    "receipt_no",
)
PAYMENT_ITEM_COLUMNS = ("id", "payment_id", "decision_id", "fine_fen", "late_fee_fen", "days_late")
POINT_COLUMNS = (
    "id",
    "citizen_id",
    "cycle_start",
    "points",
    "source_kind",
    "source_id",
    "recorded_at",
    "legal_basis",
)

# Relative frequency of camera-recorded acts (invented, shaped like city statistics:
# parking, red lights, signs, speeding and lanes dominate).
_CAR_CODES = {
    "1039": 22.0,
    "1625": 12.0,
    "1352": 12.0,
    "1344": 10.0,
    "1208": 9.0,
    "1345": 5.0,
    "1636": 5.0,
    "10391": 4.0,
    "1019": 4.0,
    "1204": 4.0,
    "1018": 3.0,
    "GT-R14": 3.0,
    "1223": 2.0,
    "1074": 1.5,
    "1102": 1.0,
    "1301": 1.0,
    "1243": 1.0,
    "1115": 0.5,
    "1049": 0.5,
    "1340": 0.5,
    "1616": 0.3,
    "1614": 0.1,
}
_GOODS_EXTRA = {"1111": 3.0, "1081": 2.0, "4312": 1.0}
_MOTORCYCLE_CODES = {"1207": 10.0, "1625": 5.0, "1344": 3.0, "1018": 3.0, "1301": 1.0}
# Hour-of-day profile (city time): rush hours and daytime parking.
_HOUR_WEIGHTS = (
    1,
    1,
    1,
    1,
    1,
    2,
    4,
    9,
    10,
    7,
    6,
    6,
    6,
    6,
    6,
    7,
    8,
    10,
    9,
    6,
    4,
    3,
    2,
    1,
)
_HOURS = tuple(range(24))
_HOUR_CUM = tuple(accumulate(_HOUR_WEIGHTS))


def city_instant(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    """The aware UTC instant of a wall-clock time in the city's zone."""
    return datetime.combine(day, time(hour, minute, second), tzinfo=CITY_ZONE).astimezone(UTC)


@dataclass
class Booth:
    id: uuid.UUID
    district_code: str


@dataclass
class Rows:
    """The rows of one chunk, per table, in the column order above."""

    violations: list[tuple[object, ...]] = field(default_factory=list)
    decisions: list[tuple[object, ...]] = field(default_factory=list)
    payments: list[tuple[object, ...]] = field(default_factory=list)
    payment_items: list[tuple[object, ...]] = field(default_factory=list)
    points: list[tuple[object, ...]] = field(default_factory=list)


class History:
    """Makes violations and their consequences; the sequences behind the human reference
    numbers run across chunks so every reference is unique."""

    def __init__(
        self,
        rng: random.Random,
        today: date,
        catalogue: list[CatalogueEntry],
        sites: dict[str, tuple[str, ...]],
        booths: list[Booth],
        openings: dict[str, date] | None = None,
    ) -> None:
        """``openings``: district -> the day its first booth opened; drivers living there
        process their violations sooner from then on (seed.visits.PROCESSING_DAYS_EFFECT)."""
        self.rng = rng
        self.openings = openings or {}
        self.today = today
        self.catalogue = {e.code: e for e in catalogue}
        self.sites = sites
        self.booths = booths
        self._booths_by_district: dict[str, list[Booth]] = defaultdict(list)
        for booth in booths:
            self._booths_by_district[booth.district_code].append(booth)
        self._seq = count(1)
        self.start = add_years(today, -HISTORY_YEARS)
        self._tables = {
            "car": self._table(_CAR_CODES),
            "goods": self._table({**_CAR_CODES, **_GOODS_EXTRA}),
            "motorcycle": self._table(_MOTORCYCLE_CODES),
        }
        self.rows = Rows()
        # citizen -> cycle_start -> points (for licence status and the invariants)
        self.cycle_points: dict[uuid.UUID, dict[date, int]] = defaultdict(dict)

    def _table(self, weights: dict[str, float]) -> tuple[list[str], list[float]]:
        codes = [c for c in weights if c in self.catalogue and self.catalogue[c].camera_processable]
        return codes, list(accumulate(weights[c] for c in codes))

    def take_rows(self) -> Rows:
        rows, self.rows = self.rows, Rows()
        return rows

    # --- random history ------------------------------------------------------------------

    def random_code(self, vehicle: VehicleDraft) -> str:
        kind = (
            "motorcycle"
            if vehicle.kind == "motorcycle"
            else ("goods" if vehicle.kind == "goods" else "car")
        )
        codes, weights = self._tables[kind]
        return self.rng.choices(codes, cum_weights=weights)[0]

    def random_for_vehicle(self, vehicle: VehicleDraft, licence: LicenceDraft, area: str) -> None:
        """0..25 violations in the last three years, most decided and paid."""
        rng = self.rng
        if vehicle.status == "scrapped":
            return
        n = min(25, int(rng.expovariate(0.5)))
        lo = max(self.start, vehicle.registered_on + timedelta(days=1))
        span = (self.today - lo).days
        if span <= 1:
            return
        for _ in range(n):
            occurred_on = lo + timedelta(days=rng.randrange(span))
            age = (self.today - occurred_on).days
            opened = self.openings.get(area)
            mean_lag = processing_mean_lag(
                (occurred_on.year - self.start.year) * 12 + occurred_on.month - self.start.month,
                opened is not None and opened <= occurred_on,
            )
            lag = 3 + int(rng.expovariate(1 / mean_lag))
            decided_on: date | None = occurred_on + timedelta(days=lag)
            assert decided_on is not None
            if decided_on > self.today or (age > 120 and rng.random() < 0.03):
                decided_on = None
            self.add(
                vehicle,
                licence,
                self.random_code(vehicle),
                occurred_on,
                area=area,
                decided_on=decided_on,
            )

    # --- one violation -------------------------------------------------------------------

    def add(
        self,
        vehicle: VehicleDraft,
        licence: LicenceDraft,
        code: str,
        occurred_on: date,
        *,
        area: str,
        decided_on: date | None,
        payment: str = "auto",  # auto | on_time | late | unpaid
    ) -> None:
        rng = self.rng
        entry = self.catalogue[code]
        seq = next(self._seq)
        hour = rng.choices(_HOURS, cum_weights=_HOUR_CUM)[0]
        occurred_at = city_instant(occurred_on, hour, rng.randrange(60), rng.randrange(60))
        district = area if rng.random() < 0.7 else rng.choice(list(self.sites))
        site_no = rng.randrange(len(self.sites[district]))
        ref = f"WF{occurred_on:%Y%m%d}{seq:08d}"
        violation_id = new_id()
        decided = decided_on is not None
        self.rows.violations.append(
            (
                violation_id,
                ref,
                code,
                occurred_at,
                self.sites[district][site_no],
                vehicle.plate_no,
                vehicle.id,
                f"EV/{DISTRICT_BY_CODE[district].abbr}-CAM{site_no + 1:03d}/{ref}.jpg",
                "decided" if decided else "unprocessed",
                licence.citizen_id if decided else None,  # who drove: the licence's holder
            )
        )
        if decided_on is not None:
            self._decide(vehicle, licence, entry, violation_id, seq, decided_on, district, payment)

    def _decide(
        self,
        vehicle: VehicleDraft,
        licence: LicenceDraft,
        entry: CatalogueEntry,
        violation_id: uuid.UUID,
        seq: int,
        decided_on: date,
        district: str,
        payment: str,
    ) -> None:
        rng = self.rng
        today = self.today
        # the licence holder who takes the points: the owner, unless someone else drove
        citizen_id = licence.citizen_id
        decided_at = city_instant(
            decided_on, rng.randint(8, 20), rng.randrange(60), rng.randrange(60)
        )
        due = due_on(decided_on)
        booth_id: uuid.UUID | None = None
        if self.booths and rng.random() < 0.3:
            local = self._booths_by_district.get(district) or self.booths
            booth_id = rng.choice(local).id
        if payment == "auto":
            r = rng.random()
            if due < today:
                payment = "on_time" if r < 0.80 else "late" if r < 0.92 else "unpaid"
            else:
                payment = "on_time" if r < 0.5 else "unpaid"
        paid_on: date | None = None
        if payment == "on_time":
            latest = min(15, (today - decided_on).days)
            paid_on = decided_on + timedelta(days=rng.randint(0, latest))
        elif payment == "late" and due < today:
            paid_on = min(today, due + timedelta(days=rng.randint(1, 60)))
        elif payment == "late":
            paid_on = decided_on
        points = entry.points or 0
        fine = entry.fine_default_fen
        fee = late_fee(fine, due, paid_on) if paid_on is not None else None
        decision_id = new_id()
        decision_no = f"JD{decided_on:%Y%m%d}{seq:08d}"
        self.rows.decisions.append(
            (
                decision_id,
                decision_no,
                violation_id,
                citizen_id,
                booth_id,
                points,
                fine,
                decided_at,
                decided_on,
                due,
                "paid" if paid_on is not None else "unpaid",
                paid_on,
                fee.amount_fen if fee is not None else 0,
                [],
                [entry.points_basis, entry.fine_basis, PROCESSING_BASIS],
            )
        )
        if paid_on is not None and fee is not None:
            if paid_on == decided_on:
                created_at = decided_at + timedelta(seconds=rng.randint(30, 600))
            else:
                created_at = city_instant(
                    paid_on, rng.randint(7, 22), rng.randrange(60), rng.randrange(60)
                )
            payment_id = new_id()
            payment_no = f"JK{paid_on:%Y%m%d}{seq:08d}"
            self.rows.payments.append(
                (
                    payment_id,
                    payment_no,
                    citizen_id,
                    booth_id,
                    fine + fee.amount_fen,
                    "succeeded",
                    created_at,
                    created_at + timedelta(seconds=rng.randint(2, 30)),
                    f"FS{payment_no}",
                    None,
                    f"PJ{paid_on:%Y%m%d}{seq:08d}",
                )
            )
            self.rows.payment_items.append(
                (new_id(), payment_id, decision_id, fine, fee.amount_fen, fee.days_late)
            )
        if points > 0:
            cycle_start = scoring_cycle(licence.first_issued_on, decided_on).start
            self.rows.points.append(
                (
                    new_id(),
                    citizen_id,
                    cycle_start,
                    points,
                    "decision",
                    decision_no,
                    decided_at,
                    POINTS_BASIS,
                )
            )
            per_cycle = self.cycle_points[citizen_id]
            per_cycle[cycle_start] = per_cycle.get(cycle_start, 0) + points

    # --- licence status from the ledger --------------------------------------------------

    def settle_licence(self, licence: LicenceDraft) -> None:
        """≥ 12 points in the current cycle → detained (记分办法 第17条); remember whether a
        cycle overlapping the current validity reached 12 (驾驶证规定 第62条)."""
        per_cycle = self.cycle_points.get(licence.citizen_id)
        if not per_cycle:
            return
        current = scoring_cycle(licence.first_issued_on, self.today).start
        if per_cycle.get(current, 0) >= 12 and licence.status in ("valid", "expired"):
            licence.status = "detained"
        licence.had_full_score_in_validity = any(
            total >= 12 and add_years(start, 1) > licence.valid_from
            for start, total in per_cycle.items()
        )

    def forget(self, citizen_ids: list[uuid.UUID]) -> None:
        for cid in citizen_ids:
            self.cycle_points.pop(cid, None)
