"""A small synthetic city for the reports' rendering tests: six districts, booths opening in
a staggered roll-out (two districts never get one), hall visits that fall where a booth
opened, booth visits with a higher one-visit rate, and ratings. Deterministic (seeded)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from gangting.applications.models import Application
from gangting.kernel.ids import new_id
from gangting.ratings.models import Rating
from gangting.reporting.sql import service_visits
from tests.reporting.world import World

CST = ZoneInfo("Asia/Shanghai")
START = date(2025, 1, 1)
END = date(2026, 10, 31)
# district -> (booth code, lon, lat, opened_on or None)
ROLLOUT = {
    "150203": ("BT-KDL-001", 109.82, 40.66, date(2025, 9, 1)),
    "150202": ("BT-DH-001", 110.20, 40.58, date(2026, 1, 15)),
    "150204": ("BT-QS-001", 109.93, 40.64, date(2026, 3, 1)),
    "150207": ("BT-JY-001", 109.60, 40.61, date(2026, 5, 1)),
    "150205": None,
    "150222": None,
}
NAMES = {
    "BT-KDL-001": "昆都仑区钢铁大街岗亭",
    "BT-DH-001": "东河区巴彦塔拉岗亭",
    "BT-QS-001": "青山区文化路岗亭",
    "BT-JY-001": "九原区建华南路岗亭",
}
ITEMS = ("process_violations", "renewal", "pay_fines", "inspection_mark")
REFUSALS = ("identity.mismatch", "documents.expired", "fines.unpaid_before", "licence.suspended")


def _months() -> list[date]:
    out, d = [], START
    while d <= END:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def fill(world: World, seed: int = 13, scale: int = 1) -> int:
    """Booths, visits and ratings; returns the number of visits written."""
    rng = random.Random(seed)
    for district, spec in ROLLOUT.items():
        if spec is not None:
            code, lon, lat, opened = spec
            world.booth(code, district, lon, lat, opened, name=NAMES[code])
    rows: list[dict[str, object]] = []
    applications: list[dict[str, object]] = []
    ratings: list[dict[str, object]] = []
    matter = 0
    for district, spec in ROLLOUT.items():
        base = rng.uniform(30, 50) * scale
        for m in _months():
            open_ = spec is not None and m >= date(spec[3].year, spec[3].month, 1)
            trend = 1.0 + 0.01 * (m.year * 12 + m.month - 2025 * 12)
            n_hall = max(0, int(rng.gauss(base * trend * (0.6 if open_ else 1.0), 3)))
            n_booth = int(rng.gauss(25 * scale, 3)) if open_ else 0
            for channel, n in (("hall", n_hall), ("booth", n_booth)):
                for _ in range(n):
                    matter += 1
                    day = m + timedelta(days=rng.randrange(28))
                    queued = datetime(
                        day.year,
                        day.month,
                        day.day,
                        8 + rng.randrange(10),
                        rng.randrange(60),
                        tzinfo=CST,
                    )
                    wait = rng.uniform(5, 40) if channel == "hall" else rng.uniform(0, 6)
                    handle = rng.uniform(5, 20)
                    started = queued + timedelta(minutes=wait)
                    first_ok = rng.random() < (0.97 if channel == "booth" else 0.6)
                    refused = rng.random() < 0.05
                    # a matter not finished at its first visit is referred (comes back later)
                    outcome = "refused" if refused else ("completed" if first_ok else "referred")
                    item = rng.choice(ITEMS)
                    app_id = None
                    if channel == "booth" and outcome != "referred":
                        app_id = new_id()
                        applications.append(
                            {
                                "id": app_id,
                                "receipt_no": f"SYN-{matter:08d}",
                                "service_item": item,
                                "state": outcome,
                                "citizen_id": world.citizen_id,
                                "booth_id": world.booth_ids[spec[0]],  # type: ignore[index]
                                "created_at": started,
                                "updated_at": started + timedelta(minutes=handle),
                                "reasons": [],
                                "legal_basis": [],
                                "result": {},
                            }
                        )
                    rows.append(
                        {
                            "id": new_id(),
                            "channel": channel,
                            "booth_id": world.booth_ids[spec[0]]
                            if channel == "booth" and spec
                            else None,
                            "hall_code": "HALL-1" if channel == "hall" else None,
                            "district_code": district,
                            "home_district_code": district if rng.random() < 0.9 else None,
                            "citizen_id": None,
                            "application_id": app_id,
                            "service_item": item,
                            "matter_key": f"m:{matter}",
                            "visit_no": 1,
                            "queued_at": queued,
                            "started_at": started,
                            "finished_at": started + timedelta(minutes=handle),
                            "outcome": outcome,
                            "refusal_code": rng.choice(REFUSALS) if refused else None,
                        }
                    )
                    if app_id is not None and rng.random() < 0.3:
                        level = rng.choices([5, 4, 3, 2, 1], [60, 25, 8, 4, 3])[0]
                        ratings.append(
                            {
                                "id": new_id(),
                                "booth_id": world.booth_ids[spec[0]],  # type: ignore[index]
                                "application_id": app_id,
                                "level": level,
                                "level_name": str(level),
                                "reason": None,
                                "rated_at": started + timedelta(minutes=handle + 1),
                                "received_at": started + timedelta(minutes=handle + 1),
                            }
                        )
    with world.uow() as uow:
        for i in range(0, len(applications), 5000):
            uow.session.execute(insert(Application), applications[i : i + 5000])
        for i in range(0, len(rows), 5000):
            uow.session.execute(insert(service_visits), rows[i : i + 5000])
        if ratings:
            uow.session.execute(insert(Rating), ratings)
    return len(rows)
