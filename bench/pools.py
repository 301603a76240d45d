"""Work pools for the booth-mix benchmarks, picked by SQL from a seeded database.

Shared by ``booth_mix.py`` (over HTTP) and ``sql_ceiling.py`` (plain psycopg). Each
consuming item (a citizen's violations, a licence due for renewal, a vehicle due for its
inspection mark) is handed out once; the pools are disjoint by citizen, so two booths
never work on the same person at the same time. Items consumed by an earlier run drop
out by themselves: processed violations are no longer ``unprocessed``, a renewed licence
expires years later, a marked vehicle's inspection validity moved on.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import psycopg

from bench.evidence import bench_public_key
from gangting.kernel.clock import SystemClock, city_date
from gangting.staff.service import hash_secret
from gangting.vehicles.rules import (
    InspectionAction,
    InspectionPolicy,
    Use,
    VehicleKind,
    VehicleStatus,
    inspection_due,
    inspection_mark_eligibility,
    mark_window_open,
)

BOOTH_SECRET = "bench-secret"
BOOTH_PREFIX = "BENCH-"
KINDS = ("query", "process", "renew", "mark")


def plain_url(url: str) -> str:
    """The libpq form of a SQLAlchemy URL (postgresql+psycopg:// -> postgresql://)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def bench_today(demo_clock: str) -> date:
    """The date the server will use: the demo clock's, else today in the city zone."""
    if demo_clock:
        instant = datetime.fromisoformat(demo_clock)
        return city_date(instant) if instant.tzinfo is not None else instant.date()
    return SystemClock().today()


@dataclass
class ProcessItem:
    id_number: str
    citizen_id: uuid.UUID
    refs: list[str]


@dataclass
class MarkItem:
    id_number: str
    citizen_id: uuid.UUID
    plate: str


@dataclass
class Pools:
    query: list[str] = field(default_factory=list)
    process: deque[ProcessItem] = field(default_factory=deque)
    renew: deque[tuple[str, uuid.UUID]] = field(default_factory=deque)
    mark: deque[MarkItem] = field(default_factory=deque)

    def sizes(self) -> dict[str, int]:
        return {
            "query": len(self.query),
            "process": len(self.process),
            "renew": len(self.renew),
            "mark": len(self.mark),
        }


def ensure_booths(url: str, count: int) -> list[str]:
    """Bench booths BENCH-001… (secret ``bench-secret``, evidence key ``evidence.bench_key``)
    under the first booth's org unit."""
    codes = [f"{BOOTH_PREFIX}{i:03d}" for i in range(1, count + 1)]
    secret_hash = hash_secret(BOOTH_SECRET)
    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        template = conn.execute(
            "SELECT org_unit_id, district_code, address, longitude, latitude FROM booths"
            " WHERE code NOT LIKE 'BENCH-%%' ORDER BY code LIMIT 1"
        ).fetchone()
        if template is None:
            raise SystemExit("no booth in the database: seed it first")
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO booths (id, code, name, org_unit_id, district_code, address,"
                " longitude, latitude, secret_hash, evidence_public_key, enabled)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, true)"
                " ON CONFLICT (code) DO UPDATE SET secret_hash = EXCLUDED.secret_hash,"
                " evidence_public_key = EXCLUDED.evidence_public_key, enabled = true",
                [
                    (
                        uuid.uuid4(),
                        code,
                        f"压测岗亭 {code}",
                        *template,
                        secret_hash,
                        bench_public_key(code),
                    )
                    for code in codes
                ],
            )
    return codes


_PROCESS_SQL = """
WITH own AS (
    SELECT ve.owner_id AS citizen_id,
           array_agg(vi.ref ORDER BY vi.occurred_at) AS refs,
           sum(vc.points) AS points
    FROM violations vi
    JOIN vehicles ve ON ve.id = vi.vehicle_id
    JOIN violation_codes vc ON vc.code = vi.code
    WHERE vi.state = 'unprocessed' AND vc.camera_processable
      AND NOT EXISTS (SELECT 1 FROM penalty_decisions d WHERE d.violation_id = vi.id)
    GROUP BY ve.owner_id
    HAVING count(*) <= 20
)
SELECT c.id_number, c.id, own.refs
FROM own
JOIN citizens c ON c.id = own.citizen_id
JOIN driving_licences l ON l.citizen_id = own.citizen_id
WHERE l.status = 'valid'
  AND own.points + COALESCE((
        SELECT sum(p.points) FROM point_entries p
        WHERE p.citizen_id = own.citizen_id AND p.cycle_start > %(today)s::date - 366
      ), 0) < 12
"""

_RENEW_SQL = """
SELECT c.id_number, c.id
FROM driving_licences l JOIN citizens c ON c.id = l.citizen_id
WHERE l.status = 'valid' AND l.expires_on BETWEEN %(today)s AND %(today)s::date + 90
"""

_MARK_SQL = """
SELECT c.id_number, c.id, ve.plate_no, ve.registered_on, ve.kind, ve.use, ve.seats, ve.is_van,
       ve.illegally_modified, ve.injury_accident, ve.inspection_valid_until,
       ve.compulsory_insurance_until, ve.vehicle_tax_ok, ve.unprocessed_accidents, ve.status
FROM vehicles ve JOIN citizens c ON c.id = ve.owner_id
WHERE ve.inspection_valid_until BETWEEN %(today)s AND %(today)s::date + 100
  AND ve.compulsory_insurance_until >= %(today)s
  AND ve.vehicle_tax_ok AND ve.status = 'normal' AND ve.unprocessed_accidents = 0
  AND NOT EXISTS (
      SELECT 1 FROM violations vi WHERE vi.vehicle_id = ve.id AND vi.state = 'unprocessed'
  )
"""

_QUERY_SQL = """
SELECT c.id_number FROM citizens c TABLESAMPLE SYSTEM (5)
JOIN driving_licences l ON l.citizen_id = c.id
LIMIT %(n)s
"""


def _mark_ok(row: tuple[Any, ...], today: date, policy: InspectionPolicy) -> bool:
    """The product's own rules decide whether the mark would be issued today."""
    (_, _, _, registered_on, kind, use, seats, is_van, modified, injury, valid_until) = row[:11]
    insurance, tax_ok, accidents, status = row[11:]
    due = inspection_due(
        registered_on,
        VehicleKind(kind),
        Use(use),
        seats,
        is_van,
        policy=policy,
        on=valid_until,
        illegally_modified=modified,
        injury_accident=injury,
    )
    if due.action is not InspectionAction.APPLY_MARK:
        return False
    if not mark_window_open(valid_until, today, policy=policy).allowed:
        return False
    return inspection_mark_eligibility(
        on=today,
        compulsory_insurance_until=insurance,
        vehicle_tax_ok=tax_ok,
        unprocessed_violations=0,
        unprocessed_accidents=accidents,
        vehicle_status=VehicleStatus(status),
        policy=policy,
    ).allowed


def pick_pools(url: str, today: date, *, query_size: int = 20_000, seed: int = 7) -> Pools:
    rng = random.Random(seed)
    pools = Pools()
    taken: set[uuid.UUID] = set()
    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        params: dict[str, Any] = {"today": today, "n": query_size}
        process_rows = conn.execute(_PROCESS_SQL, params).fetchall()
        renew_rows = conn.execute(_RENEW_SQL, params).fetchall()
        mark_rows = conn.execute(_MARK_SQL, params).fetchall()
        pools.query = [r[0] for r in conn.execute(_QUERY_SQL, params).fetchall()]
    for rows in (process_rows, renew_rows, mark_rows):
        rng.shuffle(rows)
    for id_number, citizen_id, refs in process_rows:
        if citizen_id not in taken:
            taken.add(citizen_id)
            pools.process.append(ProcessItem(id_number, citizen_id, list(refs)))
    for id_number, citizen_id in renew_rows:
        if citizen_id not in taken:
            taken.add(citizen_id)
            pools.renew.append((id_number, citizen_id))
    policy = InspectionPolicy()
    for row in mark_rows:
        if row[1] not in taken and _mark_ok(row, today, policy):
            taken.add(row[1])
            pools.mark.append(MarkItem(row[0], row[1], row[2]))
    rng.shuffle(pools.query)
    return pools


def certificate(today: date) -> dict[str, str]:
    """A fresh health certificate (issued a week ago, unique number) for a renewal."""
    return {
        "certificate_no": f"BENCH-{uuid.uuid4().hex[:24]}",
        "institution": "包头市第三医院",
        "issued_on": (today - timedelta(days=7)).isoformat(),
    }
