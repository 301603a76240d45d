"""Detection over the whole city, against planted ground truth (issue 11 §5).

    .venv/bin/python -m bench.detection_city \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench11_city_det

On a copy of a ``gangting seed --scale city`` database, adds the everyday booth business
the seed does not write (150,000 applications over the year in opening hours, each after
an identity check, some citizens at two booths the same day: unlabelled background), then
plants labelled patterns among the city's own citizens, vehicles and booths (``--seed``
fixes them), each family with clean look-alikes that stay just under the thresholds:

- point-trading rings: drivers taking points for cars of 3-6 other owners (positives), and
  "sparse" rings whose drivers each take for only 2 owners of a shared set of 3 (positives
  the per-driver rule cannot see; only the dense-block detector may); look-alikes: a
  family member taking points for 1-2 other owners' cars;
- agents with shared phones: 4-8 citizens on one number, each with applications in the
  window; look-alikes: 2-3 citizens on one number (a household);
- off-hours operators: booths with 3-9 applications between 21:00 and 06:00; look-alikes:
  booths with 1-2;
- identity hopping: a citizen verified at 3-5 booths within 50 minutes; look-alikes: 2
  booths within an hour, or 3 booths spread over 5 hours.

The city's own point-trading ring (seed.rings: the only decisions whose driver is not the
owner before planting) is labelled positive too. Then times
``gangting.desks.detection.run_detection`` (reads, scoring, storing the cases) and scores
the cases per family: a unit (a driver, a phone, a booth, a citizen) is flagged when a case
of the family names it as its subject (a dense block: its centre driver); precision =
flagged positives / flagged (strictly: anything flagged that is not planted counts as a
false alarm), recall = flagged positives / positives. Beside it, Isolation Forest alone
(scikit-learn, ``random_state`` fixed) over per-unit features computed here from the same
tables, its top k taken as flagged where k = the family's number of positives: once with
scikit-learn's default of 256 units a tree, once with 4096 (with a few planted units among
10^5, a tree of 256 rarely holds one, and a unit beyond every value a tree saw scores no
higher than that tree's own extremes).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, insert, select, text, update

from bench.machine import cpu_model
from gangting.applications.models import Application
from gangting.audit.models import AuditEntry
from gangting.citizens.models import Citizen
from gangting.desks.detection import phone_key, run_detection
from gangting.detection.models import DetectionCase
from gangting.detection.rules import Pattern, Thresholds
from gangting.fines.models import PenaltyDecision
from gangting.kernel.clock import CITY_ZONE, FixedClock
from gangting.kernel.db import make_engine
from gangting.kernel.ids import new_id
from gangting.kernel.unit_of_work import UnitOfWork, session_factory
from gangting.points.models import PointEntry
from gangting.violations.models import Violation

MARK = "BENCH11"  # receipt and reference prefix of every planted record
FAMILIES = ("rings", "shared_phones", "off_hours", "identity_hopping")
PATTERNS = {
    "rings": (
        Pattern.POINTS_MANY_OWNERS,
        Pattern.POINTS_REPEAT_TAKER,
        Pattern.POINTS_DENSE_BLOCK,
    ),
    "shared_phones": (Pattern.AGENTS_SHARED_PHONE,),
    "off_hours": (Pattern.OPERATIONS_OFF_HOURS,),
    "identity_hopping": (Pattern.AGENTS_IDENTITY_HOPPING,),
}
RING_CODE = "1344"  # 1 point, as the seed's ring


@dataclass
class Labels:
    positives: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    lookalikes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def to_json(self) -> dict[str, Any]:
        return {
            "positives": {k: sorted(v) for k, v in self.positives.items()},
            "lookalikes": {k: sorted(v) for k, v in self.lookalikes.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Labels:
        labels = cls()
        for k, v in data["positives"].items():
            labels.positives[k] = set(v)
        for k, v in data["lookalikes"].items():
            labels.lookalikes[k] = set(v)
        return labels


# --- planting ---------------------------------------------------------------------------


class Planter:
    def __init__(self, conn: Connection, now: datetime, rng: random.Random) -> None:
        self.conn, self.now, self.rng = conn, now, rng
        self.n = 0
        booths = conn.execute(text("SELECT id, code FROM booths ORDER BY code")).all()
        self.booths = [(r[0], r[1]) for r in booths]
        # citizens and cars nobody planted yet: a random sample of the city
        conn.execute(text("SELECT setseed(0.11)"))
        self.people = [
            r[0] for r in conn.execute(text("SELECT id FROM citizens ORDER BY random() LIMIT 6000"))
        ]
        rng.shuffle(self.people)
        cars = conn.execute(
            text("SELECT id, owner_id, plate_no FROM vehicles ORDER BY random() LIMIT 4000")
        ).all()
        owners_seen: set[Any] = set()
        self.cars = []
        for car in cars:
            if car[1] not in owners_seen:
                owners_seen.add(car[1])
                self.cars.append((car[0], car[1], car[2]))
        rng.shuffle(self.cars)
        self.violations: list[dict[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []
        self.points: list[dict[str, Any]] = []
        self.applications: list[dict[str, Any]] = []
        self.entries: list[dict[str, Any]] = []

    def person(self) -> Any:
        return self.people.pop()

    def car(self, not_owner: set[Any]) -> tuple[Any, Any, str]:
        while True:
            car = self.cars.pop()
            if car[1] not in not_owner:
                return car

    def decision(self, driver: Any, car: tuple[Any, Any, str]) -> None:
        self.n += 1
        at = self.now - timedelta(days=self.rng.randrange(20, 300), minutes=self.rng.randrange(600))
        vid = new_id()
        no = f"{MARK}D{self.n:07d}"
        booth = self.rng.choice(self.booths)[0]
        self.violations.append(
            {
                "id": vid,
                "ref": f"{MARK}V{self.n:07d}",
                "code": RING_CODE,
                "occurred_at": at - timedelta(days=5),
                "place": "-",
                "plate_no": car[2],
                "vehicle_id": car[0],
                "evidence_ref": "-",
                "state": "decided",
                "driver_id": driver,
            }
        )
        self.decisions.append(
            {
                "id": new_id(),
                "decision_no": no,
                "violation_id": vid,
                "citizen_id": driver,
                "booth_id": booth,
                "points": 1,
                "fine_fen": 20000,
                "decided_at": at,
                "received_on": at.date(),
                "due_on": at.date() + timedelta(days=15),
                "state": "paid",
                "pauses": [],
                "legal_basis": [],
            }
        )
        cycle = date(at.year if (at.month, at.day) >= (3, 15) else at.year - 1, 3, 15)
        self.points.append(
            {
                "id": new_id(),
                "citizen_id": driver,
                "cycle_start": cycle,
                "points": 1,
                "source_kind": "decision",
                "source_id": no,
                "recorded_at": at,
                "legal_basis": "-",
            }
        )

    def application(self, citizen: Any, booth: Any, at: datetime) -> None:
        self.n += 1
        self.applications.append(
            {
                "id": new_id(),
                "receipt_no": f"{MARK}A{self.n:07d}",
                "service_item": "process_violations",
                "state": "completed",
                "citizen_id": citizen,
                "booth_id": booth,
                "created_at": at,
                "updated_at": at,
                "reasons": [],
                "legal_basis": [],
                "result": {},
            }
        )

    def check(self, citizen: Any, booth: Any, at: datetime) -> None:
        self.entries.append(
            {
                "id": new_id(),
                "at": at,
                "actor_kind": "booth",
                "actor_id": MARK,
                "booth_id": booth,
                "action": "identity.verified",
                "subject_kind": "citizen",
                "subject_id": str(citizen),
                "reason": None,
                "data": {},
                "body": "{}",
                "body_hash": "0" * 64,
            }
        )

    def day_time(self, days: tuple[int, int]) -> datetime:
        """A time in opening hours (10:00-17:00 city time), ``days`` ago."""
        day = (self.now - timedelta(days=self.rng.randrange(*days))).astimezone(CITY_ZONE)
        local = day.replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(
            minutes=self.rng.randrange(7 * 60)
        )
        return local.astimezone(UTC)

    def night_time(self) -> datetime:
        """A time between 21:00 and 06:00 city time in the last 25 days."""
        day = (self.now - timedelta(days=self.rng.randrange(2, 25))).astimezone(CITY_ZONE)
        local = day.replace(hour=21, minute=0, second=0, microsecond=0) + timedelta(
            minutes=self.rng.randrange(9 * 60)
        )
        return local.astimezone(UTC)

    def flush(self) -> None:
        conn = self.conn
        for model, rows in (
            (Violation, self.violations),
            (PenaltyDecision, self.decisions),
            (PointEntry, self.points),
            (Application, self.applications),
            (AuditEntry, self.entries),
        ):
            for i in range(0, len(rows), 5000):
                conn.execute(insert(model), rows[i : i + 5000])
            rows.clear()


def background(conn: Connection, p: Planter, rng: random.Random) -> None:
    """The city's everyday booth business, which the seed does not write: 150,000
    applications over the last year in opening hours, each after an identity check at the
    same booth (one citizen in 20 comes back the same day to another booth), and the
    citizens' phones as seeded (unlabelled, all of it: whatever a detector flags here is a
    false alarm)."""
    people = [
        r[0] for r in conn.execute(text("SELECT id FROM citizens ORDER BY random() LIMIT 120000"))
    ]
    for n in range(150_000):
        citizen = people[n % len(people)]
        booth = rng.choice(p.booths)[0]
        at = p.day_time((1, 365))
        p.application(citizen, booth, at)
        if at >= p.now - timedelta(days=31):
            p.check(citizen, booth, at - timedelta(minutes=1))
            if rng.random() < 0.05:  # back later the same day, at another booth
                other = rng.choice(p.booths)[0]
                later = at + timedelta(minutes=rng.randrange(90, 150))  # before 19:30
                p.check(citizen, other, later)
                p.application(citizen, other, later + timedelta(minutes=1))
        if len(p.applications) >= 20_000:
            p.flush()
    p.flush()


def plant(engine: Engine, now: datetime, seed: int) -> Labels:
    rng = random.Random(seed)
    labels = Labels()
    with engine.begin() as conn:
        # the city's own ring: the only decisions whose driver is not the owner
        for (driver,) in conn.execute(
            text(
                "SELECT DISTINCT d.citizen_id FROM penalty_decisions d "
                "JOIN violations v ON v.id = d.violation_id "
                "JOIN vehicles c ON c.id = v.vehicle_id "
                "WHERE d.points > 0 AND c.owner_id <> d.citizen_id"
            )
        ):
            labels.positives["rings"].add(str(driver))
            labels.positives["rings.seed"].add(str(driver))
        p = Planter(conn, now, rng)
        background(conn, p, rng)

        # rings: 8 plain rings (each driver 3-6 other owners), 4 sparse ones (3 drivers,
        # 3 owners, each driver 2 of them), 40 family sharers (1-2 other owners)
        for _ in range(8):
            drivers = [p.person() for _ in range(rng.randint(2, 4))]
            cars = [p.car(set(drivers)) for _ in range(rng.randint(3, 6))]
            for d in drivers:
                labels.positives["rings"].add(str(d))
                labels.positives["rings.plain"].add(str(d))
                for c in cars:
                    p.decision(d, c)
        for _ in range(4):
            drivers = [p.person() for _ in range(3)]
            cars = [p.car(set(drivers)) for _ in range(3)]
            for i, d in enumerate(drivers):
                labels.positives["rings"].add(str(d))
                labels.positives["rings.sparse"].add(str(d))
                for c in (cars[i], cars[(i + 1) % 3]):
                    p.decision(d, c)
        for _ in range(40):
            d = p.person()
            labels.lookalikes["rings"].add(str(d))
            for _ in range(rng.randint(1, 2)):
                p.decision(d, p.car({d}))

        # shared phones: 10 agents' numbers (4-8 citizens), 30 households (2-3)
        def phone_group(size: int, n: int, positive: bool) -> None:
            phone = f"1990{n:07d}"
            members = [p.person() for _ in range(size)]
            conn.execute(update(Citizen).where(Citizen.id.in_(members)).values(phone=phone))
            for m in members:
                for _ in range(rng.randint(1, 3)):
                    p.application(m, rng.choice(p.booths)[0], p.day_time((5, 300)))
            (labels.positives if positive else labels.lookalikes)["shared_phones"].add(
                phone_key(phone)
            )

        for n in range(10):
            phone_group(rng.randint(4, 8), n, True)
        for n in range(10, 40):
            phone_group(rng.randint(2, 3), n, False)

        # off hours: 6 booths with 3-9 night applications, 10 booths with 1-2
        booths = rng.sample(p.booths, min(16, len(p.booths)))
        night_shift = len(booths) * 3 // 8  # 6 of 16
        for i, (booth_id, code) in enumerate(booths):
            positive = i < night_shift
            for _ in range(rng.randint(3, 9) if positive else rng.randint(1, 2)):
                p.application(p.people[rng.randrange(len(p.people))], booth_id, p.night_time())
            (labels.positives if positive else labels.lookalikes)["off_hours"].add(f"booth:{code}")

        # identity hopping: 20 hoppers (3-5 booths within 50 min), 30 at 2 booths within an
        # hour, 20 at 3 booths over 5 hours
        def checks(minutes: list[int], positive: bool) -> None:
            citizen = p.person()
            start = p.day_time((1, 25))
            for booth, minute in zip(rng.sample(p.booths, len(minutes)), minutes, strict=True):
                p.check(citizen, booth[0], start + timedelta(minutes=minute))
            (labels.positives if positive else labels.lookalikes)["identity_hopping"].add(
                str(citizen)
            )

        for _ in range(20):
            hops = rng.randint(3, 5)
            checks(sorted(rng.sample(range(50), hops)), True)
        for _ in range(30):
            checks(sorted(rng.sample(range(60), 2)), False)
        for _ in range(20):
            checks([0, 150, 300], False)
        p.flush()
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return labels


# --- scoring against the labels ----------------------------------------------------------


def flagged_by_detection(engine: Engine) -> dict[str, set[str]]:
    flagged: dict[str, set[str]] = defaultdict(set)
    family_of = {pattern: family for family, patterns in PATTERNS.items() for pattern in patterns}
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                DetectionCase.pattern,
                DetectionCase.subject_kind,
                DetectionCase.subject_id,
                DetectionCase.evidence,
            )
        ).all()
        for pattern, kind, subject, evidence in rows:
            family = family_of.get(Pattern(pattern))
            if family is None:
                continue
            flagged[family].add(f"{kind}:{subject}" if family == "off_hours" else subject)
            if pattern == Pattern.POINTS_DENSE_BLOCK:  # every driver of the block
                drivers = conn.execute(
                    text(
                        "SELECT DISTINCT citizen_id::text FROM penalty_decisions "
                        "WHERE decision_no = ANY(:nos)"
                    ),
                    {"nos": list(evidence.get("decisions", []))},
                ).scalars()
                flagged[family].update(drivers)
    return flagged


def precision_recall(flagged: set[str], positives: set[str]) -> dict[str, Any]:
    hit = len(flagged & positives)
    return {
        "flagged": len(flagged),
        "positives": len(positives),
        "true_positives": hit,
        "precision": hit / len(flagged) if flagged else None,
        "recall": hit / len(positives) if positives else None,
    }


# --- Isolation Forest alone --------------------------------------------------------------

FEATURES = {
    # per driver with a decision with points in the window
    "rings": """
        SELECT d.citizen_id::text,
               count(*) AS decisions,
               count(*) FILTER (WHERE c.owner_id <> d.citizen_id) AS for_others,
               count(DISTINCT c.owner_id) FILTER (WHERE c.owner_id <> d.citizen_id) AS owners,
               count(DISTINCT v.plate_no) AS plates,
               sum(d.points) AS points,
               count(DISTINCT date_trunc('month', d.decided_at)) AS months
        FROM penalty_decisions d
        JOIN violations v ON v.id = d.violation_id
        JOIN vehicles c ON c.id = v.vehicle_id
        WHERE d.points > 0 AND d.decided_at >= :year_ago
        GROUP BY d.citizen_id
    """,
    # per phone of citizens with applications in the window
    "shared_phones": """
        SELECT c.phone, count(DISTINCT c.id) AS citizens, count(*) AS applications,
               count(DISTINCT a.booth_id) AS booths,
               count(DISTINCT date_trunc('day', a.created_at)) AS days
        FROM citizens c JOIN applications a ON a.citizen_id = c.id
        WHERE a.created_at >= :year_ago AND c.phone IS NOT NULL
        GROUP BY c.phone
    """,
    # per booth over the last 30 days
    "off_hours": """
        SELECT 'booth:' || b.code, count(a.id) AS applications,
               count(a.id) FILTER (WHERE extract(hour FROM a.created_at AT TIME ZONE
                   'Asia/Shanghai') NOT BETWEEN 8 AND 19) AS off_hours,
               coalesce(avg(extract(hour FROM a.created_at AT TIME ZONE 'Asia/Shanghai')), 12)
                   AS mean_hour,
               coalesce(min(extract(hour FROM a.created_at AT TIME ZONE 'Asia/Shanghai')), 12)
                   AS first_hour
        FROM booths b LEFT JOIN applications a
             ON a.booth_id = b.id AND a.created_at >= :month_ago
        GROUP BY b.code
    """,
    # per citizen verified in the last 30 days
    "identity_hopping": """
        WITH c AS (
            SELECT subject_id, booth_id, at,
                   lag(at) OVER w AS prev_at, lag(booth_id) OVER w AS prev_booth
            FROM audit_entries
            WHERE action = 'identity.verified' AND subject_kind = 'citizen'
              AND at >= :month_ago
            WINDOW w AS (PARTITION BY subject_id ORDER BY at)
        )
        SELECT subject_id, count(*) AS checks, count(DISTINCT booth_id) AS booths,
               coalesce(min(extract(epoch FROM at - prev_at))
                        FILTER (WHERE prev_booth <> booth_id), 1e7) AS min_gap_s,
               count(*) FILTER (WHERE prev_booth <> booth_id
                                AND at - prev_at < interval '1 hour') AS fast_moves
        FROM c GROUP BY subject_id
    """,
}


def isolation_forest(
    engine: Engine, now: datetime, labels: Labels, max_samples: int | None = None
) -> dict[str, Any]:
    """Isolation Forest over each family's per-unit features: 200 trees, ``random_state``
    0, each tree on ``max_samples`` units (None: scikit-learn's default, 256)."""
    from sklearn.ensemble import IsolationForest

    out: dict[str, Any] = {}
    params = {"year_ago": now - timedelta(days=365), "month_ago": now - timedelta(days=30)}
    for family, sql in FEATURES.items():
        t0 = time.perf_counter()
        with engine.connect() as conn:
            rows = conn.execute(text(sql), params).all()
        keys = [phone_key(str(r[0])) if family == "shared_phones" else str(r[0]) for r in rows]
        x = np.array([[float(v) for v in r[1:]] for r in rows])
        positives = labels.positives[family]
        k = len(positives)
        forest = IsolationForest(
            n_estimators=200,
            max_samples=min(len(x), max_samples) if max_samples else "auto",
            random_state=0,
            n_jobs=1,
        )
        forest.fit(x)
        scores = forest.score_samples(x)  # lower: more anomalous
        top = {keys[i] for i in np.argsort(scores)[:k]}
        out[family] = {
            "units": len(rows),
            "features": len(rows[0]) - 1 if rows else 0,
            "seconds": round(time.perf_counter() - t0, 1),
            **precision_recall(top, positives),
            "lookalikes_flagged": len(top & labels.lookalikes[family]),
        }
        if family == "rings":
            out[family]["by_kind"] = {
                kind: len(top & labels.positives[f"rings.{kind}"])
                for kind in ("seed", "plain", "sparse")
            }
    return out


# --- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--labels", default="bench/results/detection_city_labels.json")
    parser.add_argument("--json", help="write all results here")
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.connect() as conn:
        planted = conn.execute(
            text("SELECT count(*) FROM applications WHERE receipt_no LIKE :m"), {"m": MARK + "%"}
        ).scalar_one()
    if planted:
        with open(args.labels) as f:
            saved = json.load(f)
        labels = Labels.from_json(saved["labels"])
        now = datetime.fromisoformat(saved["now"])
        print(f"planted already ({planted} applications); labels from {args.labels}")
    else:
        t0 = time.perf_counter()
        labels = plant(engine, now, args.seed)
        print(f"planted in {time.perf_counter() - t0:.1f} s")
        os.makedirs(os.path.dirname(args.labels) or ".", exist_ok=True)
        with open(args.labels, "w") as f:
            json.dump({"now": now.isoformat(), "labels": labels.to_json()}, f)
    with engine.connect() as conn:
        conn.execute(text("DELETE FROM detection_cases"))
        conn.commit()
        sizes = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("citizens", "vehicles", "penalty_decisions", "applications", "audit_entries")
        }
    print("rows:", sizes)
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    with UnitOfWork(session_factory(engine), FixedClock(now)) as uow:
        counts = run_detection(uow, Thresholds())
    detect_s = time.perf_counter() - t0
    load1 = os.getloadavg()
    flagged = flagged_by_detection(engine)
    detection = {
        family: {
            **precision_recall(flagged[family], labels.positives[family]),
            "lookalikes_flagged": len(flagged[family] & labels.lookalikes[family]),
        }
        for family in FAMILIES
    }
    rings_by_kind = {
        kind: {
            "positives": len(labels.positives[f"rings.{kind}"]),
            "found": len(flagged["rings"] & labels.positives[f"rings.{kind}"]),
        }
        for kind in ("seed", "plain", "sparse")
    }
    detection["rings"]["by_kind"] = rings_by_kind
    t1 = time.perf_counter()
    forest = isolation_forest(engine, now, labels)
    forest_s = time.perf_counter() - t1
    forest_4096 = isolation_forest(engine, now, labels, 4096)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(" ".join(sys.argv))
    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs")
    print(f"load average before {load0[0]:.2f} {load0[1]:.2f}, after {load1[0]:.2f} {load1[1]:.2f}")
    print(f"run_detection: {detect_s:.1f} s (target < 120 s), peak RSS {peak:,.0f} MiB")
    print("cases found per pattern:", {k: v["found"] for k, v in counts.items()})
    print(f"Isolation Forest, four families: {forest_s:.1f} s")
    print("rings found by detection, by kind:", rings_by_kind)
    print("rings found by Isolation Forest, by kind:", forest["rings"]["by_kind"])
    print("... with 4096 units a tree:", forest_4096["rings"]["by_kind"])
    print()
    print(
        "| family | positives | look-alikes | detection: flagged, precision, recall,"
        " look-alikes flagged | Isolation Forest top-k (256 a tree): precision, recall,"
        " look-alikes | the same, 4096 a tree |"
    )
    print("|---|---:|---:|---|---|---|")
    for family in FAMILIES:
        d, f = detection[family], forest[family]
        print(
            f"| {family} | {d['positives']} | {len(labels.lookalikes[family])} "
            f"| {d['flagged']}, {_pct(d['precision'])}, {_pct(d['recall'])}, "
            f"{d['lookalikes_flagged']} "
            f"| {_pct(f['precision'])}, {_pct(f['recall'])}, {f['lookalikes_flagged']} "
            f"(of {f['units']:,} units) "
            f"| {_pct(forest_4096[family]['precision'])}, "
            f"{_pct(forest_4096[family]['recall'])}, "
            f"{forest_4096[family]['lookalikes_flagged']} |"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "args": vars(args),
                    "now": now.isoformat(),
                    "rows": sizes,
                    "detect_s": detect_s,
                    "load_before": load0,
                    "load_after": load1,
                    "counts": counts,
                    "detection": detection,
                    "isolation_forest": forest,
                    "isolation_forest_4096": forest_4096,
                    "peak_rss_mib": peak,
                },
                f,
                indent=1,
                default=str,
            )
    engine.dispose()


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
