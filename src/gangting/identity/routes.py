"""The identity check endpoint (人证核验)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.identity import service
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.schemas import Request
from gangting.web.writes import run_write

router = APIRouter(prefix="/api/v1/identity", tags=["人证核验 identity"])


class IdentityCheck(Request):
    id_number: str = Field(min_length=15, max_length=18, description="身份证号")
    face_score: float = Field(ge=0.0, le=1.0, description="岗亭人脸比对得分 0–1")


@router.post("/check", summary="人证核验：刷身份证 + 人脸比对，换取身份令牌")
def check(
    body: IdentityCheck, ctx: ContextDep, actor: ActorDep, key: IdempotencyKey = None
) -> JSONResponse:
    def work(uow: Any) -> tuple[int, dict[str, Any]]:
        grant = service.check_identity(
            uow,
            actor,
            body.id_number,
            body.face_score,
            threshold=ctx.settings.face_match_threshold,
            ttl_s=ctx.settings.identity_token_ttl_s,
        )
        return 200, {
            "identity_token": grant.token,
            "expires_at": grant.expires_at,
            "citizen": {"name": grant.citizen.name},
        }

    return run_write(
        ctx, actor, key, "POST", "/identity/check", body.model_dump(), work, action="identity.check"
    )
