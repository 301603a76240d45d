"""The identity check endpoint (人证核验).

Not keyed by Idempotency-Key on purpose: it moves no money, points or documents, and a
stored answer would keep a bearer credential at rest. A retry simply issues a new token.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from gangting.identity import service
from gangting.web.deps import ActorDep, ContextDep
from gangting.web.schemas import Request

router = APIRouter(prefix="/api/v1/identity", tags=["人证核验 identity"])


class IdentityCheck(Request):
    id_number: str = Field(min_length=15, max_length=18, description="身份证号")
    face_score: float = Field(ge=0.0, le=1.0, description="岗亭人脸比对得分 0–1")


@router.post("/check", summary="人证核验：刷身份证 + 人脸比对，换取身份令牌（10分钟有效）")
def check(body: IdentityCheck, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    with ctx.uow() as uow:
        grant = service.check_identity(
            uow,
            actor,
            body.id_number,
            body.face_score,
            threshold=ctx.settings.face_match_threshold,
            ttl_s=ctx.settings.identity_token_ttl_s,
        )
        return {
            "identity_token": grant.token,
            "expires_at": grant.expires_at.isoformat(),
            "citizen": {"name": grant.citizen.name},
        }
