"""The org tree (支队 > 大队 > 中队), booths placed in their district, and staff accounts.

One detachment (BT), one brigade per district/banner/county of the packaged GeoJSON, one
or two squadrons per brigade; booths hang under a squadron. Demo secrets are public on
purpose (``demo-<booth code>``, ``Demo-Centre-2026`` …); the city scale gets random booth
secrets.
"""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date

from gangting import all_models as m
from gangting.geo.districts import baotou_districts
from gangting.kernel.ids import new_id
from gangting.seed.bulk import BulkWriter
from gangting.seed.people import chinese_name
from gangting.seed.places import (
    DISTRICT_BY_CODE,
    booth_counts,
    point_in_district,
    street_address,
)
from gangting.staff import passwords
from gangting.staff.service import hash_secret

DETACHMENT_CODE = "BT"
DETACHMENT_NAME = "包头市公安局交通管理支队"
OFFICERS_PER_SQUADRON = 2
_ORDINALS = "一二三四"
# Public demo passwords, under the staff password policy like any other (staff.passwords).
ADMIN_PASSWORD = "Demo-Centre-2026"
SUPERVISOR_PASSWORD = "Demo-Ducha-2026"
OFFICER_PASSWORD = "Demo-Minjing-2026"


@dataclass
class Unit:
    id: uuid.UUID
    code: str
    name: str
    kind: str
    parent_id: uuid.UUID | None
    path: str


@dataclass
class BoothPlan:
    id: uuid.UUID
    code: str
    name: str
    org_unit_id: uuid.UUID
    district_code: str
    address: str
    longitude: float
    latitude: float
    secret: str
    secret_hash: str = ""
    opened_on: date | None = None  # the roll-out (seed.visits.booth_openings)


@dataclass
class StaffPlan:
    id: uuid.UUID
    username: str
    name: str
    role: str
    org_unit_id: uuid.UUID
    unit_code: str
    password: str
    password_hash: str = ""


@dataclass
class OrgPlan:
    units: list[Unit] = field(default_factory=list)
    booths: list[BoothPlan] = field(default_factory=list)
    staff: list[StaffPlan] = field(default_factory=list)

    def hash_secrets(self) -> None:
        """argon2 every booth secret; staff sharing a (public) demo password share one hash
        computed in this run: argon2 costs ~0.1 s a call and tiny must stay fast."""
        for booth in self.booths:
            booth.secret_hash = hash_secret(booth.secret)
        by_password: dict[str, str] = {}
        for person in self.staff:
            passwords.check(person.username, person.password)
            if person.password not in by_password:
                by_password[person.password] = hash_secret(person.password)
            person.password_hash = by_password[person.password]

    def write(self, writer: BulkWriter) -> None:
        writer.write(
            m.OrgUnit,
            ("id", "code", "name", "kind", "parent_id", "path"),
            [(u.id, u.code, u.name, u.kind, u.parent_id, u.path) for u in self.units],
        )
        writer.write(
            m.Booth,
            (
                "id",
                "code",
                "name",
                "org_unit_id",
                "district_code",
                "address",
                "longitude",
                "latitude",
                "secret_hash",
                "enabled",
                "disabled_by",
                "disabled_reason",
                "opened_on",
            ),
            [
                (
                    b.id,
                    b.code,
                    b.name,
                    b.org_unit_id,
                    b.district_code,
                    b.address,
                    b.longitude,
                    b.latitude,
                    b.secret_hash,
                    True,
                    None,
                    None,
                    b.opened_on,
                )
                for b in self.booths
            ],
        )
        writer.write(
            m.StaffAccount,
            ("id", "username", "name", "role", "org_unit_id", "password_hash", "active"),
            [
                (s.id, s.username, s.name, s.role, s.org_unit_id, s.password_hash, True)
                for s in self.staff
            ],
        )


def plan_org(rng: random.Random, booth_total: int, *, demo_secrets: bool) -> OrgPlan:
    plan = OrgPlan()
    root = Unit(
        new_id(), DETACHMENT_CODE, DETACHMENT_NAME, "detachment", None, f"/{DETACHMENT_CODE}/"
    )
    plan.units.append(root)
    plan.staff.append(
        StaffPlan(
            new_id(), "admin", chinese_name(rng, "M"), "admin", root.id, root.code, ADMIN_PASSWORD
        )
    )
    counts = booth_counts(booth_total)
    for code in sorted(baotou_districts()):
        district = DISTRICT_BY_CODE[code]
        abbr = district.abbr
        brigade = Unit(
            new_id(),
            abbr,
            f"{DETACHMENT_NAME}{district.name}大队",
            "brigade",
            root.id,
            f"{root.path}{abbr}/",
        )
        plan.units.append(brigade)
        plan.staff.append(
            StaffPlan(
                new_id(),
                f"sup-{abbr.lower()}",
                chinese_name(rng, "M"),
                "supervisor",
                brigade.id,
                brigade.code,
                SUPERVISOR_PASSWORD,
            )
        )
        squadrons: list[Unit] = []
        for n in range(1, (2 if district.population_10k >= 20 else 1) + 1):
            squadron = Unit(
                new_id(),
                f"{abbr}-{n}",
                f"{brigade.name}第{_ORDINALS[n - 1]}中队",
                "squadron",
                brigade.id,
                f"{brigade.path}{abbr}-{n}/",
            )
            squadrons.append(squadron)
            plan.units.append(squadron)
        officer_no = 0
        for squadron in squadrons:
            for _ in range(OFFICERS_PER_SQUADRON):
                officer_no += 1
                sex = "M" if rng.random() < 0.8 else "F"
                plan.staff.append(
                    StaffPlan(
                        new_id(),
                        f"off-{abbr.lower()}-{officer_no}",
                        chinese_name(rng, sex),
                        "officer",
                        squadron.id,
                        squadron.code,
                        OFFICER_PASSWORD,
                    )
                )
        for n in range(1, counts.get(code, 0) + 1):
            booth_code = f"{DETACHMENT_CODE}-{abbr}-{n:03d}"
            address = street_address(rng, district)
            street = address.removeprefix(district.name).split("号")[0].rstrip("0123456789")
            lon, lat = point_in_district(rng, district)
            plan.booths.append(
                BoothPlan(
                    id=new_id(),
                    code=booth_code,
                    name=f"{district.name}{street}交通智慧岗亭",
                    org_unit_id=squadrons[(n - 1) % len(squadrons)].id,
                    district_code=code,
                    address=address,
                    longitude=lon,
                    latitude=lat,
                    secret=f"demo-{booth_code}" if demo_secrets else secrets.token_urlsafe(24),
                )
            )
    return plan
