"""The identity check (人证核验) and its nonce, as a booth calls them (docs/decisions/0018).

1. ``POST /api/v1/booth/identity/nonce``: the centre issues a single-use nonce (valid
   ``GANGTING_IDENTITY_NONCE_TTL_S``) bound to the calling booth; a booth whose checks in the
   last hour are far above its own normal raises an ``identity_rate`` alert (once an hour).
2. ``POST /api/v1/identity/check``: the card, the face evidence and the booth node's Ed25519
   signature over them with the nonce and the signing time. The centre verifies signature
   (the key in the booth registry), time window and nonce (spending it), then the evidence
   itself, before it issues an identity token. Every refusal is audited
   (``identity.check_refused``) and spends the nonce.

Not keyed by Idempotency-Key on purpose: they move no money, points or documents, and a
stored answer would keep a bearer credential at rest. A retry takes a new nonce.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field
from sqlalchemy import select

from gangting.alerts.models import Alert
from gangting.alerts.service import raise_alert
from gangting.booths.evidence_keys import evidence_public_key
from gangting.booths.models import Booth
from gangting.context import Context
from gangting.contracts import Request
from gangting.identity import service
from gangting.identity.errors import EvidenceRequired, ScoreOnlyRefused
from gangting.identity.rules import (
    FaceEvidence,
    RatePolicy,
    SignedFields,
    identity_rate_limit,
)
from gangting.identity.schemas import IdentityGrant, IdentityNonceGrant
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.service import require_booth
from gangting.web.deps import ActorDep, ContextDep
from gangting.web.openapi import error_responses
from gangting.web.writes import run_recording_refusals

router = APIRouter(tags=["人证核验 identity"])


class LivenessReport(Request):
    passed: bool = Field(description="转头活体检测是否通过")
    max_abs_yaw: float = Field(ge=0, le=90, description="检测到的最大转头角度（度）")
    turn_deg: float = Field(gt=0, le=90, description="要求的转头角度（度）")
    frames: int | None = Field(default=None, ge=1, le=1000, description="参与判断的画面数")


class FaceReport(Request):
    """The booth's live-face check: numbers only, never an image."""

    matched: bool = Field(description="岗亭判断人脸与身份证照片是否一致")
    distance: float = Field(ge=0, le=4, description="人脸特征距离（越小越相似）")
    threshold: float = Field(gt=0, lt=2, description="岗亭使用的距离阈值")
    liveness: LivenessReport
    engine: str = Field(default="", max_length=64, description="比对引擎")

    def evidence(self) -> FaceEvidence:
        return FaceEvidence(
            matched=self.matched,
            distance=self.distance,
            threshold=self.threshold,
            liveness_passed=self.liveness.passed,
            max_abs_yaw=self.liveness.max_abs_yaw,
            turn_deg=self.liveness.turn_deg,
        )


class EvidenceSignature(Request):
    """The booth node's signature over the check (``identity.rules.canonical_evidence``)."""

    nonce: str = Field(min_length=16, max_length=64, description="中心签发的一次性随机数")
    signed_at: str = Field(
        min_length=20, max_length=40, description="岗亭签名时间（ISO 8601，带时区）"
    )
    signature: str = Field(
        min_length=80, max_length=100, description="岗亭私钥的 Ed25519 签名（base64）"
    )


class IdentityCheck(Request):
    id_number: str = Field(min_length=15, max_length=18, description="身份证号")
    face: FaceReport | None = Field(
        default=None, description="岗亭人脸核验结果：特征距离、阈值、活体检测（必填）"
    )
    evidence: EvidenceSignature | None = Field(
        default=None, description="岗亭对核验证据的签名与中心随机数（必填）"
    )
    face_score: float | None = Field(
        default=None,
        description="已停用：仅凭比对得分的核验一律拒绝（identity.score_only_refused）",
    )
    card_source: Literal["chip", "ocr"] = Field(
        default="chip",
        description="身份证信息来源：chip 芯片读卡 | ocr 芯片读取失败时拍摄证件正面识别",
    )


def _check(
    uow: UnitOfWork, ctx: Context, actor: Actor, body: IdentityCheck
) -> service.IdentityGrant:
    booth_id = require_booth(actor)
    if body.face_score is not None:
        raise ScoreOnlyRefused(
            "仅凭人脸比对得分的核验已停用：岗亭须提交签名的人脸核验证据（距离、阈值、活体检测）"
        )
    if body.face is None or body.evidence is None:
        raise EvidenceRequired("缺少人脸核验证据或岗亭签名，不予核验")
    face = body.face.evidence()
    settings = ctx.settings
    fields = SignedFields(
        booth_code=actor.name,
        id_number=body.id_number,
        card_source=body.card_source,
        matched=face.matched,
        distance=face.distance,
        threshold=face.threshold,
        liveness_passed=face.liveness_passed,
        max_abs_yaw=face.max_abs_yaw,
        turn_deg=face.turn_deg,
        signed_at=body.evidence.signed_at,
        nonce=body.evidence.nonce,
    )
    service.verify_signed_evidence(
        uow,
        actor,
        fields,
        body.evidence.signature,
        evidence_public_key(uow, booth_id),
        window_s=settings.identity_evidence_window_s,
    )
    return service.check_identity(
        uow,
        actor,
        body.id_number,
        face,
        ttl_s=settings.identity_token_ttl_s,
        max_distance_threshold=settings.face_distance_threshold_max,
        card_source=body.card_source,
    )


@router.post(
    "/api/v1/identity/check",
    response_model=IdentityGrant,
    responses=error_responses(401, 403, 404, 422),
    summary="人证核验：刷身份证 + 签名的人脸核验证据，换取身份令牌（10分钟有效）",
)
def check(body: IdentityCheck, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    grant = run_recording_refusals(
        ctx,
        lambda uow: _check(uow, ctx, actor, body),
        lambda uow, error: service.record_check_refused(
            uow,
            actor,
            body.id_number,
            error,
            face=None if body.face is None else body.face.evidence(),
            card_source=body.card_source,
            nonce=None if body.evidence is None else body.evidence.nonce,
        ),
    )
    return {
        "identity_token": grant.token,
        "expires_at": grant.expires_at.isoformat(),
        "citizen": {"name": grant.citizen.name},
    }


@router.post(
    "/api/v1/booth/identity/nonce",
    response_model=IdentityNonceGrant,
    responses=error_responses(401, 403, 422),
    summary="领取人证核验随机数（一次性，短时有效，岗亭签名时使用）",
)
def nonce(ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    settings = ctx.settings
    with ctx.uow() as uow:
        value, expires_at = service.issue_nonce(uow, actor, ttl_s=settings.identity_nonce_ttl_s)
        watch_identity_rate(
            uow,
            actor,
            RatePolicy(
                min_per_hour=settings.identity_rate_min_per_hour,
                factor=settings.identity_rate_factor,
                baseline_days=settings.identity_rate_baseline_days,
            ),
        )
    return {"nonce": value, "expires_at": expires_at.isoformat()}


def watch_identity_rate(uow: UnitOfWork, actor: Actor, policy: RatePolicy) -> Alert | None:
    """Raise an ``identity_rate`` alert when the booth's checks in the last hour (nonces
    issued, this one included) exceed ``identity_rate_limit``; at most one per booth and
    clock hour, whatever became of an earlier one. Below ``min_per_hour`` only the last
    hour is counted; the 7-day history is read only above it."""
    booth_id = require_booth(actor)
    last_hour = service.checks_last_hour(uow, booth_id)
    if last_hour <= policy.min_per_hour:
        return None
    now = uow.clock.now()
    key = f"identity_rate:{actor.name}:{now:%Y%m%d%H}"
    if uow.session.execute(select(Alert.id).where(Alert.key == key)).first() is not None:
        return None  # raised this hour already: the history is not read again
    limit = identity_rate_limit(
        service.hourly_checks(uow, booth_id, days=policy.baseline_days), policy
    )
    if last_hour <= limit:
        return None
    booth = uow.session.get(Booth, booth_id)
    assert booth is not None
    alert, _ = raise_alert(
        uow,
        key=key,
        kind="identity_rate",
        cause="identity_checks_above_normal",
        severity="high",
        title=f"岗亭 {booth.code} 人证核验次数异常：近1小时 {last_hour} 次（上限 {limit:g}）",
        org_unit_id=booth.org_unit_id,
        subject_kind="booth",
        subject_id=booth.code,
        booth_id=booth.id,
        data={
            "last_hour": last_hour,
            "limit": limit,
            "since": (now - timedelta(hours=1)).isoformat(),
        },
    )
    return alert
