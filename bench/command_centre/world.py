"""The benchmark's world: an emptied PostgreSQL database, migrated; simulated booths and real
node booths with broker accounts; an admin for the live stream; plates on the watch-list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import psycopg
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from bench.broker_setup import register_booths
from gangting.kernel.actor import Actor
from gangting.kernel.clock import SystemClock
from gangting.kernel.db import make_engine
from gangting.kernel.unit_of_work import UnitOfWork, session_factory
from gangting.migrate import upgrade
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.staff.service import hash_secret
from gangting.watchlists.rules import WatchListPolicy
from gangting.watchlists.service import add_manual_entry

ADMIN, ADMIN_PASSWORD = "bench-admin", "bench-admin-password"


def listed_plate(n: int) -> str:
    """Plates on the watch-list: 蒙B9xxxx. Simulated reads that are not hits never start
    their serial with 9, and digits are never confusable with each other, so only the
    listed plates match."""
    return f"蒙B9{n:04d}"


def unlisted_plate(n: int) -> str:
    return f"蒙B{n % 9}{(n // 9) % 10000:04d}"


@dataclass
class World:
    engine: Engine
    booths: dict[str, str]  # simulated booths: code -> broker password
    nodes: dict[str, str]  # real node booths: code -> broker password
    listed: list[str]

    def new_uow(self) -> UnitOfWork:
        return UnitOfWork(session_factory(self.engine), SystemClock())


def reset_database(url: str) -> None:
    """Drop and create the database ``url`` names (PostgreSQL), through the server's
    ``postgres`` database."""
    parsed = make_url(url)
    name = parsed.database
    if not name or parsed.get_backend_name() != "postgresql":
        raise SystemExit("--database-url must name a PostgreSQL database")
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def build_world(url: str, *, booths: int, nodes: int, listed: int) -> World:
    reset_database(url)
    engine = make_engine(url)
    upgrade(engine)
    world = World(engine, {}, {}, [listed_plate(n) for n in range(listed)])
    world.booths = register_booths(world.new_uow, [f"BT-SIM-{n:03d}" for n in range(booths)])
    world.nodes = register_booths(
        world.new_uow, [f"BT-NODE-{n:03d}" for n in range(nodes)], unit_code="BENCHNODE"
    )
    with world.new_uow() as uow:
        unit = OrgUnit(code="BENCHHQ", name="压测指挥中心", kind="detachment", path="/BENCHHQ/")
        uow.session.add(unit)
        uow.session.flush()
        admin = StaffAccount(
            username=ADMIN,
            name="压测管理员",
            role="admin",
            org_unit_id=unit.id,
            password_hash=hash_secret(ADMIN_PASSWORD),
        )
        uow.session.add(admin)
        uow.session.flush()
        actor = Actor("staff", admin.id, ADMIN, role="admin", org_path=unit.path)
        policy = WatchListPolicy()
        expires = uow.clock.now() + timedelta(days=30)
        for plate in world.listed:
            add_manual_entry(
                uow,
                actor,
                plate_text=plate,
                reason="压测人工布控车辆",
                owner=ADMIN,
                expires_at=expires,
                policy=policy,
            )
    return world
