"""A booth camera's plate read over HTTP: stored, and matched against the watch-list."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gangting.booths.clock import check_booth_report
from gangting.booths.report import booth_report
from gangting.desks.booth_reports import clock_window
from gangting.desks.plate_reads import record_plate_read
from gangting.plate_reads.schemas import PlateReadAnswer, PlateReadEvent
from gangting.staff.service import require_booth
from gangting.watchlists.service import policy_from_settings
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.openapi import error_responses

router = APIRouter(prefix="/api/v1", tags=["号牌识别 plate reads"])


@router.post(
    "/booth/plate-reads",
    status_code=201,
    response_model=PlateReadAnswer,
    responses=error_responses(401, 403, 409, 422),
    summary="岗亭摄像机号牌识别结果上报",
)
def report_plate_read(
    body: PlateReadEvent, ctx: ContextDep, actor: ActorDep, key: IdempotencyKey = None
) -> JSONResponse:
    require_booth(actor)
    check_booth_report(
        actor.name,
        body.booth,
        [("first_seen_at", body.first_seen_at), ("last_seen_at", body.last_seen_at)],
        ctx.clock.now(),
        clock_window(ctx.settings),
    )
    return booth_report(
        ctx,
        actor,
        key,
        "/booth/plate-reads",
        body,
        body.booth,
        lambda uow: record_plate_read(uow, actor, body, policy_from_settings(ctx.settings)),
        action="plate_read",
    )
