"""A small city for the supervision screen and its APIs: two brigades, a point seller who
took points for three other owners' cars at a KDL booth, his identity checks there (face
distance, liveness; one refused), an application of his, and the detection run that makes
his case. Used by tests/desks/test_supervision_apis.py and the browser test.

    BT (detachment): admin
      KDL (brigade): sup-kdl (赵志刚), sup-kdl-2 (李卫东)
        KDL-1 (squadron): off-kdl-1; booths BT-KDL-001 (钢铁大街岗亭), BT-KDL-002
      QS (brigade): sup-qs
        QS-1 (squadron): booth BT-QS-001
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from gangting.applications.models import Application
from gangting.audit import service as audit
from gangting.booths.models import Booth
from gangting.context import Context
from gangting.desks.detection import run_detection
from gangting.detection.models import DetectionCase
from gangting.detection.rules import Pattern, Thresholds
from gangting.kernel.actor import Actor
from gangting.kernel.clock import CITY_ZONE, FixedClock
from tests import builders

FIRST_ISSUED = date(2010, 3, 15)


@dataclass(frozen=True)
class Planted:
    seller_id: str
    seller_id_number: str
    case_id: str
    decisions: tuple[str, ...]
    plates: tuple[str, ...]
    receipt: str


def make_org(ctx: Context) -> None:
    with ctx.uow() as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        top.name = "包头市公安局交通管理支队"
        kdl = builders.org_unit(uow, "KDL", top)
        kdl.name = "昆都仑区大队"
        qs = builders.org_unit(uow, "QS", top)
        qs.name = "青山区大队"
        kdl1 = builders.org_unit(uow, "KDL-1", kdl, kind="squadron")
        qs1 = builders.org_unit(uow, "QS-1", qs, kind="squadron")
        builders.booth(uow, kdl1, code="BT-KDL-001").name = "钢铁大街岗亭"
        builders.booth(uow, kdl1, code="BT-KDL-002").name = "阿尔丁大街岗亭"
        builders.booth(uow, qs1, code="BT-QS-001").name = "青山路岗亭"
        builders.staff(uow, top, "admin", "admin").name = "系统管理员"
        builders.staff(uow, kdl, "sup-kdl", "supervisor").name = "赵志刚"
        builders.staff(uow, kdl, "sup-kdl-2", "supervisor").name = "李卫东"
        builders.staff(uow, qs, "sup-qs", "supervisor").name = "孙海涛"
        builders.staff(uow, kdl1, "off-kdl-1", "officer").name = "王建国"


def _booth(ctx: Context, code: str) -> Actor:
    with ctx.uow() as uow:
        booth = uow.session.execute(select(Booth).where(Booth.code == code)).scalar_one()
        return Actor("booth", booth.id, booth.code)


def plant_seller(ctx: Context, clock: FixedClock) -> Planted:
    """The seller, his three decisions for others' cars, his checks and application, and
    the detection run (the clock is back at its start afterwards)."""
    now = clock.now()
    today = clock.today()
    decisions: list[str] = []
    plates = ("蒙B·M3021", "蒙B·M3022", "蒙B·M3023")
    with ctx.uow() as uow:
        b1 = uow.session.execute(select(Booth).where(Booth.code == "BT-KDL-001")).scalar_one()
        seller = builders.citizen(uow, name="刘国强", birth=date(1979, 4, 2))
        for i, plate in enumerate(plates):
            owner = builders.citizen(uow, name=f"车主{'甲乙丙'[i]}", birth=date(1980 + i, 1, 9))
            car = builders.vehicle(uow, owner, plate.replace("·", ""))
            d = builders.overdue_decision(
                uow,
                seller,
                car,
                FIRST_ISSUED,
                decided_on=today - timedelta(days=20 + 7 * i),
                points=3,
                booth_id=b1.id,
            )
            decisions.append(d.decision_no)
        receipt = "SLT20261126001"
        at = now - timedelta(days=20, hours=1)
        uow.session.add(
            Application(
                receipt_no=receipt,
                service_item="process_violations",
                state="completed",
                citizen_id=seller.id,
                booth_id=b1.id,
                created_at=at,
                updated_at=at,
            )
        )
        seller_id, seller_number = str(seller.id), seller.id_number
    booth = _booth(ctx, "BT-KDL-001")
    checks = [
        (timedelta(days=20, hours=1, minutes=2), "identity.verified", 0.312, True),
        (timedelta(days=27, hours=2), "identity.check_refused", 0.47, False),
        (timedelta(days=27, hours=1, minutes=55), "identity.verified", 0.288, True),
    ]
    for ago, action, distance, live in checks:
        clock.set(now - ago)
        data: dict[str, object] = {
            "face_distance": distance,
            "face_threshold": 0.45,
            "liveness_passed": live,
            "max_abs_yaw": 21.5 if live else 3.0,
            "turn_deg": 15,
            "card_source": "chip",
        }
        if not live:
            data.update(error="identity.liveness_failed", reasons=["identity.liveness_failed"])
        with ctx.uow() as uow:
            audit.record(uow, booth, action, "citizen", seller_id, data=data)
    clock.set(now - timedelta(days=20, hours=1))
    with ctx.uow() as uow:
        audit.record(
            uow,
            booth,
            "application.process_violations.completed",
            "application",
            receipt,
            data={"citizen_id": seller_id},
        )
    clock.set(now)
    with ctx.uow() as uow:
        run_detection(uow, Thresholds())
        case_id = uow.session.execute(
            select(DetectionCase.id).where(
                DetectionCase.pattern == Pattern.POINTS_MANY_OWNERS,
                DetectionCase.subject_id == seller_id,
            )
        ).scalar_one()
    return Planted(seller_id, seller_number, str(case_id), tuple(decisions), plates, receipt)


def plant_agents(ctx: Context, clock: FixedClock) -> None:
    """Four citizens sharing one phone number, served at BT-KDL-002 late at night: a shared
    phone case and an off-hours booth case at the next detection run (which this runs)."""
    now = clock.now()
    with ctx.uow() as uow:
        b2 = uow.session.execute(select(Booth).where(Booth.code == "BT-KDL-002")).scalar_one()
        for i in range(4):
            person = builders.citizen(uow, name=f"{'张王李赵'[i]}某", birth=date(1990 + i, 5, 5))
            person.phone = "13911112222"
            night = (now - timedelta(days=2 + i)).astimezone(CITY_ZONE).replace(hour=23, minute=10)
            uow.session.add(
                Application(
                    receipt_no=f"SLT2026112500{i + 1}",
                    service_item="renewal",
                    state="completed",
                    citizen_id=person.id,
                    booth_id=b2.id,
                    created_at=night,
                    updated_at=night,
                )
            )
    with ctx.uow() as uow:
        run_detection(uow, Thresholds())
