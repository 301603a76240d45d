"""The identity check: a booth reports the ID card it read and the live-face match score;
a short-lived identity token bound to that booth and citizen is the key to every citizen
operation (记分办法 第30条 makes point trading an offence, so the check matters)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from gangting.audit import service as audit
from gangting.citizens.models import Citizen
from gangting.citizens.rules import parse_id_number
from gangting.identity.errors import CitizenNotFound, FaceMismatch, IdentityRequired
from gangting.identity.models import IdentityToken
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.service import require_booth


@dataclass(frozen=True)
class IdentityGrant:
    token: str
    citizen: Citizen
    expires_at: datetime


def check_identity(
    uow: UnitOfWork,
    actor: Actor,
    id_number: str,
    face_score: float,
    *,
    threshold: float,
    ttl_s: int,
) -> IdentityGrant:
    booth_id = require_booth(actor)
    parsed = parse_id_number(id_number, on=uow.clock.today())
    citizen = uow.session.execute(
        select(Citizen).where(Citizen.id_number == parsed.value)
    ).scalar_one_or_none()
    if citizen is None:
        raise CitizenNotFound("未查询到该身份证号的登记信息，请到车管所窗口办理")
    if face_score < threshold:
        raise FaceMismatch(
            "人脸比对未通过，请正对摄像头重试或联系工作人员",
            data={"face_score": face_score, "threshold": threshold},
        )
    token = secrets.token_urlsafe(24)
    expires_at = uow.clock.now() + timedelta(seconds=ttl_s)
    uow.session.execute(
        insert(IdentityToken).values(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            citizen_id=citizen.id,
            booth_id=booth_id,
            face_score=face_score,
            issued_at=uow.clock.now(),
            expires_at=expires_at,
        )
    )
    audit.record(
        uow, actor, "identity.verified", "citizen", citizen.id, data={"face_score": face_score}
    )
    return IdentityGrant(token, citizen, expires_at)


def resolve_citizen(uow: UnitOfWork, actor: Actor, token: str | None) -> Citizen:
    """The citizen behind an identity token issued to this same booth and still valid."""
    booth_id = require_booth(actor)
    if not token:
        raise IdentityRequired("请先刷身份证并完成人脸核验")
    citizen = uow.session.execute(
        select(Citizen)
        .join(IdentityToken, IdentityToken.citizen_id == Citizen.id)
        .where(
            IdentityToken.token_hash == hashlib.sha256(token.encode()).hexdigest(),
            IdentityToken.booth_id == booth_id,
            IdentityToken.expires_at > uow.clock.now(),
        )
    ).scalar_one_or_none()
    if citizen is None:
        raise IdentityRequired("身份核验已失效，请重新刷身份证并完成人脸核验")
    return citizen
