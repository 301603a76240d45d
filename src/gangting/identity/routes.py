"""The identity check endpoint (人证核验).

Not keyed by Idempotency-Key on purpose: it moves no money, points or documents, and a
stored answer would keep a bearer credential at rest. A retry simply issues a new token.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from fastapi import APIRouter
from pydantic import Field, model_validator

from gangting.contracts import Request
from gangting.identity import service
from gangting.identity.rules import FaceEvidence
from gangting.identity.schemas import IdentityGrant
from gangting.web.deps import ActorDep, ContextDep
from gangting.web.openapi import error_responses
from gangting.web.writes import run_recording_refusals

router = APIRouter(prefix="/api/v1/identity", tags=["人证核验 identity"])


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


class IdentityCheck(Request):
    id_number: str = Field(min_length=15, max_length=18, description="身份证号")
    face: FaceReport | None = Field(
        default=None, description="岗亭人脸核验结果：特征距离、阈值、活体检测（推荐）"
    )
    face_score: float | None = Field(
        default=None, ge=0.0, le=1.0, description="岗亭人脸比对得分 0–1（旧式岗亭）"
    )
    card_source: Literal["chip", "ocr"] = Field(
        default="chip",
        description="身份证信息来源：chip 芯片读卡 | ocr 芯片读取失败时拍摄证件正面识别",
    )

    @model_validator(mode="after")
    def _one_face_check(self) -> Self:
        if (self.face is None) == (self.face_score is None):
            raise ValueError("face 与 face_score 须且仅须提供其一")
        return self


@router.post(
    "/check",
    response_model=IdentityGrant,
    responses=error_responses(401, 403, 404, 422),
    summary="人证核验：刷身份证 + 人脸核验，换取身份令牌（10分钟有效）",
)
def check(body: IdentityCheck, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    face = None if body.face is None else body.face.evidence()
    grant = run_recording_refusals(
        ctx,
        lambda uow: service.check_identity(
            uow,
            actor,
            body.id_number,
            body.face_score,
            threshold=ctx.settings.face_match_threshold,
            ttl_s=ctx.settings.identity_token_ttl_s,
            face=face,
            max_distance_threshold=ctx.settings.face_distance_threshold_max,
            card_source=body.card_source,
        ),
        lambda uow, error: service.record_check_refused(
            uow,
            actor,
            body.id_number,
            error,
            face=face,
            face_score=body.face_score,
            card_source=body.card_source,
        ),
    )
    return {
        "identity_token": grant.token,
        "expires_at": grant.expires_at.isoformat(),
        "citizen": {"name": grant.citizen.name},
    }
