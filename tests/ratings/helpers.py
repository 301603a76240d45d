"""Making applications, links and staff actors for the rating tests, through the services."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from gangting.applications.service import record_application
from gangting.booths.models import Booth
from gangting.kernel.actor import Actor
from gangting.kernel.checkpoint import generate_key
from gangting.kernel.clock import CITY_ZONE
from gangting.ratings import service
from gangting.ratings.rules import parse_level
from gangting.staff.models import OrgUnit, StaffAccount
from tests.desks.conftest import Api

LINKS = service.LinkSettings("https://pj.example.cn", 30, generate_key())


def at(api: Api, y: int, m: int, d: int, h: int = 10) -> None:
    api.clock.set(datetime(y, m, d, h, 0, tzinfo=CITY_ZONE))


def booth_actor(api: Api, code: str = "BT-KDL-001") -> Actor:
    with api.ctx.uow() as uow:
        booth = uow.session.execute(select(Booth).where(Booth.code == code)).scalar_one()
        return Actor(kind="booth", id=booth.id, name=booth.code)


def staff_actor(api: Api, username: str) -> Actor:
    with api.ctx.uow() as uow:
        account, path = uow.session.execute(
            select(StaffAccount, OrgUnit.path)
            .join(OrgUnit, OrgUnit.id == StaffAccount.org_unit_id)
            .where(StaffAccount.username == username)
        ).one()
        return Actor(kind="staff", id=account.id, name=username, role=account.role, org_path=path)


def application(api: Api, actor: Actor, citizen_id: uuid.UUID, state: str = "completed") -> str:
    with api.ctx.uow() as uow:
        return record_application(
            uow,
            actor,
            service_item="process_violations",
            citizen_id=citizen_id,
            state=state,
            reasons=[],
            result={},
        ).receipt_no


def link(api: Api, actor: Actor, receipt_no: str) -> str | None:
    with api.ctx.uow() as uow:
        url = service.issue_rating_link(uow, actor, receipt_no, LINKS)
    return None if url is None else url.rsplit("/r/", 1)[1]


def rate_link(api: Api, token: str, level: int, reason: str | None = None) -> dict[str, Any]:
    with api.ctx.uow() as uow:
        return service.rate_by_link(
            uow,
            token,
            level=parse_level(level),
            reason=reason,
            policy=service.remedy_policy(api.ctx.settings),
            calendar=api.ctx.calendar,
        )


def rate_kiosk(
    api: Api, actor: Actor, receipt_no: str | None, level: int, reason: str | None = None
) -> dict[str, Any]:
    with api.ctx.uow() as uow:
        return service.rate_service(
            uow,
            actor,
            receipt_no=receipt_no,
            level=parse_level(level),
            reason=reason,
            rated_at=None,
            policy=service.remedy_policy(api.ctx.settings),
            calendar=api.ctx.calendar,
        )
