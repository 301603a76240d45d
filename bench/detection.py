"""The detection job at city scale: how long ``gangting detect`` takes (issue 11 §3).

    .venv/bin/python -m bench.detection --database-url sqlite:///var/bench-detect.db \
        --decisions 200000 --applications 200000 --checks 200000

Fills an empty, migrated database with synthetic records (Core bulk inserts; the audit
entries are not sealed or chained, which the detectors do not read): citizens, vehicles,
violations with their penalty decisions and point entries over three years (8% of the
decisions taken by someone other than the owner, at random), applications and
``identity.verified`` entries over the last 30 days at 50 booths, and one planted ring
(6 drivers x 6 owners). Then times the reads and scoring (``detect``) and the upsert, twice
(the second run updates instead of inserting), and prints the counts per pattern.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from bench.machine import cpu_model
from gangting.applications.models import Application
from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from gangting.citizens.models import Citizen
from gangting.desks.detection import detect
from gangting.detection.rules import Thresholds
from gangting.detection.service import upsert_cases
from gangting.fines.models import PenaltyDecision
from gangting.kernel.clock import FixedClock
from gangting.kernel.db import make_engine
from gangting.kernel.ids import new_id
from gangting.kernel.unit_of_work import UnitOfWork, session_factory
from gangting.migrate import upgrade
from gangting.points.models import PointEntry
from gangting.staff.models import OrgUnit
from gangting.vehicles.models import Vehicle
from gangting.violations.catalogue import install_catalogue
from gangting.violations.models import Violation

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
BATCH = 5000


def _opening_hours(rng: random.Random) -> datetime:
    """A time in the last 30 days, between 08:00 and 20:00 Beijing time (00:00-12:00 UTC),
    but for one in 500."""
    day = NOW.replace(hour=0) - timedelta(days=rng.randrange(1, 30))
    hours = 24 if rng.random() < 0.002 else 12
    return day + timedelta(minutes=rng.randrange(hours * 60))


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def fill(engine: Engine, decisions: int, applications: int, checks: int, seed: int) -> float:
    t0 = time.perf_counter()
    rng = random.Random(seed)
    citizens = max(1000, decisions // 2)
    vehicles = max(600, citizens * 6 // 10)
    with engine.begin() as conn:
        install_catalogue(conn)
        root = new_id()
        units = [
            {
                "id": root,
                "code": "BT",
                "name": "支队",
                "kind": "detachment",
                "parent_id": None,
                "path": "/BT/",
            }
        ]
        booths = []
        for b in range(10):
            uid = new_id()
            units.append(
                {
                    "id": uid,
                    "code": f"B{b}",
                    "name": f"大队{b}",
                    "kind": "brigade",
                    "parent_id": root,
                    "path": f"/BT/B{b}/",
                }
            )
            for k in range(5):
                booths.append(
                    {
                        "id": new_id(),
                        "code": f"BT-B{b}-{k:03d}",
                        "name": "岗亭",
                        "org_unit_id": uid,
                        "district_code": "150203",
                        "address": "-",
                        "longitude": 109.8,
                        "latitude": 40.6,
                        "secret_hash": "-",
                    }
                )
        conn.execute(insert(OrgUnit), units)
        conn.execute(insert(Booth), booths)
        booth_ids = [b["id"] for b in booths]
        people = [new_id() for _ in range(citizens)]
        for batch in _batches(
            {
                "id": p,
                "id_number": f"{n:018d}",
                "name": "市民",
                "phone": f"13{n:09d}",
                "birth_date": date(1980, 1, 1),
                "area_code": "150203",
            }
            for n, p in enumerate(people)
        ):
            conn.execute(insert(Citizen), batch)
        cars = [(new_id(), rng.choice(people)) for _ in range(vehicles)]
        for batch in _batches(
            {
                "id": v,
                "plate_no": f"蒙B{n:06d}",
                "kind": "small_passenger",
                "use": "non_operating",
                "seats": 5,
                "registered_on": date(2020, 1, 1),
                "owner_id": owner,
                "compulsory_insurance_until": date(2027, 1, 1),
                "inspection_valid_until": date(2027, 1, 1),
            }
            for n, (v, owner) in enumerate(cars)
        ):
            conn.execute(insert(Vehicle), batch)
        ring_drivers, ring_cars = people[:6], cars[-6:]
        edges = [(d, c) for d in ring_drivers for c in ring_cars]
        for _ in range(decisions - len(edges)):
            car = rng.choice(cars)
            driver = car[1] if rng.random() > 0.08 else rng.choice(people)
            edges.append((driver, car))

        def rows() -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
            for n, (driver, (car, _)) in enumerate(edges):
                days = rng.randrange(1, 300 if n < 36 else 1095)  # the ring: this year
                at = NOW - timedelta(days=days, minutes=rng.randrange(1440))
                vid = new_id()
                yield (
                    {
                        "id": vid,
                        "ref": f"WF{n:010d}",
                        "code": "1625",
                        "occurred_at": at,
                        "place": "-",
                        "plate_no": "-",
                        "vehicle_id": car,
                        "evidence_ref": "-",
                        "state": "decided",
                        "driver_id": driver,
                    },
                    {
                        "id": new_id(),
                        "decision_no": f"JD{n:010d}",
                        "violation_id": vid,
                        "citizen_id": driver,
                        "booth_id": rng.choice(booth_ids),
                        "points": 6,
                        "fine_fen": 20000,
                        "decided_at": at,
                        "received_on": at.date(),
                        "due_on": at.date(),
                        "state": "paid",
                        "pauses": [],
                        "legal_basis": [],
                    },
                    {
                        "id": new_id(),
                        "citizen_id": driver,
                        "cycle_start": date(at.year if at.month > 3 else at.year - 1, 3, 15),
                        "points": 6,
                        "source_kind": "decision",
                        "source_id": f"JD{n:010d}",
                        "recorded_at": at,
                        "legal_basis": "-",
                    },
                )

        for batch in _batches({"t": t} for t in rows()):
            conn.execute(insert(Violation), [r["t"][0] for r in batch])
            conn.execute(insert(PenaltyDecision), [r["t"][1] for r in batch])
            conn.execute(insert(PointEntry), [r["t"][2] for r in batch])
        for batch in _batches(
            {
                "receipt_no": f"SL{n:010d}",
                "service_item": "process_violations",
                "state": "refused" if rng.random() < 0.05 else "completed",
                "citizen_id": rng.choice(people),
                "booth_id": rng.choice(booth_ids),
                "created_at": _opening_hours(rng),
                "updated_at": NOW,
                "reasons": [],
                "legal_basis": [],
                "result": {},
            }
            for n in range(applications)
        ):
            conn.execute(insert(Application), batch)
        for batch in _batches(
            {
                "id": new_id(),
                "at": NOW - timedelta(minutes=rng.randrange(30 * 1440)),
                "actor_kind": "booth",
                "actor_id": "-",
                "booth_id": rng.choice(booth_ids),
                "action": "identity.verified",
                "subject_kind": "citizen",
                "subject_id": str(rng.choice(people)),
                "reason": None,
                "data": {},
                "body": "{}",
                "body_hash": "0" * 64,
            }
            for _ in range(checks)
        ):
            conn.execute(insert(AuditEntry), batch)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--checks", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261206)
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    upgrade(engine)
    filled = fill(engine, args.decisions, args.applications, args.checks, args.seed)
    new_uow = session_factory(engine)
    result: dict[str, Any] = {
        "cpu": cpu_model(),
        "database": engine.dialect.name,
        "decisions": args.decisions,
        "applications": args.applications,
        "identity_checks": args.checks,
        "fill_s": round(filled, 1),
        "runs": [],
    }
    for _ in range(2):
        with UnitOfWork(new_uow, FixedClock(NOW)) as uow:
            t0 = time.perf_counter()
            proposals = detect(uow, Thresholds())
            t1 = time.perf_counter()
            stored = upsert_cases(uow, proposals)
            t2 = time.perf_counter()
        result["runs"].append(
            {"detect_s": round(t1 - t0, 2), "upsert_s": round(t2 - t1, 2), "stored": stored}
        )
    print(json.dumps(result, ensure_ascii=False, indent=1))
    engine.dispose()


if __name__ == "__main__":
    main()
