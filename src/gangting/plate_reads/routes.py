"""Plate reads: booths report what their cameras read; staff see the latest reads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from gangting.plate_reads import service
from gangting.plate_reads.schemas import PlateReadList
from gangting.web.deps import ActorDep, ContextDep
from gangting.web.openapi import error_responses
from gangting.web.writes import run_read

router = APIRouter(prefix="/api/v1", tags=["号牌识别 plate reads"])


@router.get(
    "/plate-reads",
    response_model=PlateReadList,
    responses=error_responses(401, 403, 422),
    summary="最近的过车号牌识别记录（民警及以上，本单位辖区）",
)
def plate_reads(
    ctx: ContextDep,
    actor: ActorDep,
    booth: Annotated[str | None, Query(max_length=32, description="岗亭编号")] = None,
    since: Annotated[AwareDatetime | None, Query(description="首次看到不早于（带时区）")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    reads = run_read(
        ctx,
        lambda uow: service.list_plate_reads(
            uow, actor, booth_code=booth, since=since, limit=limit
        ),
    )
    return {"plate_reads": reads}
