"""The identity check: a booth reports the ID card it read and its live-face check; a
short-lived identity token bound to that booth and citizen is the key to every citizen
operation (记分办法 第30条 makes point trading an offence, so the check matters).

The face check comes as the booth's evidence (descriptor distance, the threshold it used,
the head-turn liveness outcome: ``identity.rules.face_evidence_acceptable`` decides, the
token row and the audit entry record it), signed by the booth node's own Ed25519 key over a
nonce the centre issued (``verify_signed_evidence``; docs/decisions/0018). The bare match
score of older booths is refused."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update

from gangting.audit import service as audit
from gangting.citizens.models import Citizen
from gangting.citizens.rules import InvalidIdNumber, parse_id_number
from gangting.identity.errors import (
    BoothKeyMissing,
    CitizenNotFound,
    EvidenceTimeOutOfWindow,
    FaceMismatch,
    FaceThresholdTooLoose,
    IdentityRequired,
    LivenessFailed,
    NonceInvalid,
    SignatureInvalid,
)
from gangting.identity.models import IdentityNonce, IdentityToken
from gangting.identity.rules import (
    FaceEvidence,
    SignedFields,
    canonical_evidence,
    evidence_time_acceptable,
    face_evidence_acceptable,
    signature_valid,
)
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
    face: FaceEvidence,
    *,
    ttl_s: int,
    max_distance_threshold: float = 0.6,
    card_source: str = "chip",
) -> IdentityGrant:
    """An identity token for the citizen on the card, if the face evidence holds
    (``face_evidence_acceptable`` under ``max_distance_threshold``). ``card_source`` (chip |
    ocr: the card front read by OCR when the chip failed) is kept in the audit data. The
    booth's signature and the nonce are checked before (``verify_signed_evidence``)."""
    booth_id = require_booth(actor)
    parsed = parse_id_number(id_number, on=uow.clock.today())
    citizen = uow.session.execute(
        select(Citizen).where(Citizen.id_number == parsed.value)
    ).scalar_one_or_none()
    if citizen is None:
        raise CitizenNotFound("未查询到该身份证号的登记信息，请到车管所窗口办理")
    decision = face_evidence_acceptable(face, max_threshold=max_distance_threshold)
    if not decision.allowed:
        raise _refusal(decision)
    audit_data: dict[str, object] = {
        "face_distance": round(face.distance, 4),
        "face_threshold": face.threshold,
        "liveness_passed": face.liveness_passed,
        "max_abs_yaw": round(face.max_abs_yaw, 1),
        "turn_deg": face.turn_deg,
    }
    token = secrets.token_urlsafe(24)
    expires_at = uow.clock.now() + timedelta(seconds=ttl_s)
    uow.session.execute(
        insert(IdentityToken).values(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            citizen_id=citizen.id,
            booth_id=booth_id,
            face_score=None,
            face_distance=face.distance,
            face_threshold=face.threshold,
            liveness_passed=face.liveness_passed,
            issued_at=uow.clock.now(),
            expires_at=expires_at,
        )
    )
    audit_data["card_source"] = card_source
    audit.record(uow, actor, "identity.verified", "citizen", citizen.id, data=audit_data)
    return IdentityGrant(token, citizen, expires_at)


# --- nonces and signatures (docs/decisions/0018) -----------------------------------------

NONCE_KEEP_DAYS = 8  # the rate baseline looks 7 days back


def _nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def issue_nonce(uow: UnitOfWork, actor: Actor, *, ttl_s: int) -> tuple[str, datetime]:
    """A fresh single-use nonce for this booth's next identity check, valid ``ttl_s``
    seconds; only its hash is stored. The booth's nonces older than ``NONCE_KEEP_DAYS`` go."""
    booth_id = require_booth(actor)
    now = uow.clock.now()
    nonce = secrets.token_urlsafe(24)
    expires_at = now + timedelta(seconds=ttl_s)
    uow.session.execute(
        delete(IdentityNonce).where(
            IdentityNonce.booth_id == booth_id,
            IdentityNonce.issued_at < now - timedelta(days=NONCE_KEEP_DAYS),
        )
    )
    uow.session.execute(
        insert(IdentityNonce).values(
            nonce_hash=_nonce_hash(nonce),
            booth_id=booth_id,
            issued_at=now,
            expires_at=expires_at,
            used_at=None,
        )
    )
    return nonce, expires_at


def consume_nonce(uow: UnitOfWork, booth_id: uuid.UUID, nonce: str) -> bool:
    """Spend the nonce if it was issued to this booth, is unexpired and unused: one
    conditional UPDATE, so of two concurrent uses exactly one sees its row (PostgreSQL
    re-checks the condition after the first commits; SQLite serialises writers)."""
    now = uow.clock.now()
    result = uow.session.execute(
        update(IdentityNonce)
        .where(
            IdentityNonce.nonce_hash == _nonce_hash(nonce),
            IdentityNonce.booth_id == booth_id,
            IdentityNonce.used_at.is_(None),
            IdentityNonce.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def verify_signed_evidence(
    uow: UnitOfWork,
    actor: Actor,
    fields: SignedFields,
    signature: str,
    public_key: str | None,
    *,
    window_s: float,
) -> None:
    """Refuse unless the evidence is signed by this booth's registered key, was signed
    within ``window_s`` of the centre's clock, and carries a nonce issued to this booth,
    unexpired and unused (which this spends)."""
    booth_id = require_booth(actor)
    if fields.booth_code != actor.name:
        raise SignatureInvalid("核验证据不属于本岗亭，不予核验")
    if not public_key:
        raise BoothKeyMissing("本岗亭未登记签名公钥，请联系管理员登记后再办理人证核验")
    if not signature_valid(public_key, canonical_evidence(fields), signature):
        raise SignatureInvalid("核验证据签名无效，不予核验")
    try:
        signed_at = datetime.fromisoformat(fields.signed_at)
    except ValueError:
        signed_at = None
    if signed_at is None or signed_at.tzinfo is None:
        raise EvidenceTimeOutOfWindow("核验证据时间格式无效（须为带时区的 ISO 8601 时间）")
    if not evidence_time_acceptable(signed_at, uow.clock.now(), window_s=window_s):
        raise EvidenceTimeOutOfWindow(
            "核验证据时间与中心时间相差过大，请校准岗亭时钟",
            data={"window_s": window_s},
        )
    if not consume_nonce(uow, booth_id, fields.nonce):
        raise NonceInvalid("核验随机数无效、已过期或已使用，请重新核验")


def checks_last_hour(uow: UnitOfWork, booth_id: uuid.UUID) -> int:
    """The booth's identity checks (nonces issued: every check needs one) in the last hour."""
    hour_ago = uow.clock.now() - timedelta(hours=1)
    return int(
        uow.session.execute(
            select(func.count()).where(
                IdentityNonce.booth_id == booth_id, IdentityNonce.issued_at > hour_ago
            )
        ).scalar_one()
    )


def hourly_checks(uow: UnitOfWork, booth_id: uuid.UUID, *, days: int) -> list[int]:
    """The booth's count for each hour of the ``days`` days before the last hour."""
    hour_ago = uow.clock.now() - timedelta(hours=1)
    times = uow.session.execute(
        select(IdentityNonce.issued_at).where(
            IdentityNonce.booth_id == booth_id,
            IdentityNonce.issued_at > hour_ago - timedelta(days=days),
            IdentityNonce.issued_at <= hour_ago,
        )
    ).scalars()
    buckets = [0] * (days * 24)
    for t in times:
        n = int((hour_ago - t).total_seconds() // 3600)
        if 0 <= n < len(buckets):
            buckets[n] += 1
    return buckets


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
    card_source: str,
    nonce: str | None = None,
) -> None:
    """Audit a refused identity check (``identity.check_refused``), in a unit of work of its
    own: the refusal rolled the check's back. ``data`` holds the refusal's codes, what was
    wrong with the card number (``id_number_problem``: length/format/…) and the booth's face
    numbers (distance, thresholds, liveness), never the ID number, a name or an image;
    the subject is the citizen when the card number names one, else the booth. The check's
    ``nonce`` is spent here too: a refused attempt cannot be replayed. A caller that is not a
    booth made no identity check: nothing is recorded."""
    if actor.kind != "booth":
        return
    if nonce:
        consume_nonce(uow, require_booth(actor), nonce)
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
    if "window_s" in error.data:
        data["window_s"] = error.data["window_s"]
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
