"""The identity check: a booth reports the ID card it read and its live-face check; a
short-lived identity token bound to that booth and citizen is the key to every citizen
operation (记分办法 第30条 makes point trading an offence, so the check matters).

The face check comes either as the booth's evidence (descriptor distance, the threshold it
used, the head-turn liveness outcome: ``identity.rules.face_evidence_acceptable`` decides,
the token row and the audit entry record it) or, for older booths, as a bare match score
0–1 compared with ``GANGTING_FACE_MATCH_THRESHOLD``."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from gangting.audit import service as audit
from gangting.citizens.models import Citizen
from gangting.citizens.rules import InvalidIdNumber, parse_id_number
from gangting.identity.errors import (
    CitizenNotFound,
    FaceMismatch,
    FaceThresholdTooLoose,
    IdentityRequired,
    LivenessFailed,
)
from gangting.identity.models import IdentityToken
from gangting.identity.rules import FaceEvidence, face_evidence_acceptable
from gangting.kernel.actor import Actor
from gangting.kernel.decision import Decision
from gangting.kernel.errors import DomainError
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
    face_score: float | None = None,
    *,
    threshold: float,
    ttl_s: int,
    face: FaceEvidence | None = None,
    max_distance_threshold: float = 0.6,
    card_source: str = "chip",
) -> IdentityGrant:
    """An identity token for the citizen on the card, if the face check holds: ``face``
    (evidence, decided by ``face_evidence_acceptable`` under ``max_distance_threshold``)
    or, when absent, ``face_score`` against ``threshold``. ``card_source`` (chip | ocr:
    the card front read by OCR when the chip failed) is kept in the audit data."""
    booth_id = require_booth(actor)
    if face is None and face_score is None:
        raise ValueError("a face check is needed: evidence or a score")
    parsed = parse_id_number(id_number, on=uow.clock.today())
    citizen = uow.session.execute(
        select(Citizen).where(Citizen.id_number == parsed.value)
    ).scalar_one_or_none()
    if citizen is None:
        raise CitizenNotFound("未查询到该身份证号的登记信息，请到车管所窗口办理")
    audit_data: dict[str, object]
    if face is not None:
        decision = face_evidence_acceptable(face, max_threshold=max_distance_threshold)
        if not decision.allowed:
            raise _refusal(decision)
        audit_data = {
            "face_distance": round(face.distance, 4),
            "face_threshold": face.threshold,
            "liveness_passed": face.liveness_passed,
            "max_abs_yaw": round(face.max_abs_yaw, 1),
            "turn_deg": face.turn_deg,
        }
    else:
        assert face_score is not None
        if face_score < threshold:
            raise FaceMismatch(
                "人脸比对未通过，请正对摄像头重试或联系工作人员",
                data={"face_score": face_score, "threshold": threshold},
            )
        audit_data = {"face_score": face_score}
    token = secrets.token_urlsafe(24)
    expires_at = uow.clock.now() + timedelta(seconds=ttl_s)
    uow.session.execute(
        insert(IdentityToken).values(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            citizen_id=citizen.id,
            booth_id=booth_id,
            face_score=face_score if face is None else None,
            face_distance=None if face is None else face.distance,
            face_threshold=None if face is None else face.threshold,
            liveness_passed=None if face is None else face.liveness_passed,
            issued_at=uow.clock.now(),
            expires_at=expires_at,
        )
    )
    audit_data["card_source"] = card_source
    audit.record(uow, actor, "identity.verified", "citizen", citizen.id, data=audit_data)
    return IdentityGrant(token, citizen, expires_at)


_REFUSALS: dict[str, type[DomainError]] = {
    "identity.threshold_too_loose": FaceThresholdTooLoose,
    "identity.face_mismatch": FaceMismatch,
    "identity.liveness_failed": LivenessFailed,
}


def _refusal(decision: Decision) -> DomainError:
    """The named error of the first failing reason; all reasons go in its data."""
    first = decision.reasons[0]
    return _REFUSALS[first.code](
        first.message,
        data={
            **first.data,
            "reasons": [{"code": r.code, "message": r.message} for r in decision.reasons],
        },
    )


def record_check_refused(
    uow: UnitOfWork,
    actor: Actor,
    id_number: str,
    error: DomainError,
    *,
    face: FaceEvidence | None,
    face_score: float | None,
    card_source: str,
) -> None:
    """Audit a refused identity check (``identity.check_refused``), in a unit of work of its
    own: the refusal rolled the check's back. ``data`` holds the refusal's codes, what was
    wrong with the card number (``id_number_problem``: length/format/…) and the booth's face
    numbers (distance, thresholds, liveness, score), never the ID number, a name or an image;
    the subject is the citizen when the card number names one, else the booth. A caller that
    is not a booth made no identity check: nothing is recorded."""
    if actor.kind != "booth":
        return
    reasons = [str(r["code"]) for r in error.data.get("reasons", []) if "code" in r]
    data: dict[str, object] = {
        "error": error.code,
        "reasons": reasons or [error.code],
        "card_source": card_source,
    }
    if isinstance(error, InvalidIdNumber):
        data["id_number_problem"] = error.data.get("reason")
    if face is not None:
        data.update(
            face_distance=round(face.distance, 4),
            face_threshold=face.threshold,
            face_matched=face.matched,
            liveness_passed=face.liveness_passed,
            max_abs_yaw=round(face.max_abs_yaw, 1),
            turn_deg=face.turn_deg,
        )
        if "max_threshold" in error.data:
            data["max_threshold"] = error.data["max_threshold"]
    if face_score is not None:
        data["face_score"] = face_score
        if "threshold" in error.data:
            data["face_score_threshold"] = error.data["threshold"]
    try:
        parsed = parse_id_number(id_number)
    except InvalidIdNumber:
        citizen_id = None
    else:
        citizen_id = uow.session.execute(
            select(Citizen.id).where(Citizen.id_number == parsed.value)
        ).scalar_one_or_none()
    if citizen_id is not None:
        audit.record(uow, actor, "identity.check_refused", "citizen", citizen_id, data=data)
    else:
        audit.record(uow, actor, "identity.check_refused", "booth", actor.name, data=data)


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
