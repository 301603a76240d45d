"""Watch-list API: the booths' versioned copy, the staff list, withdrawals and the rebuild,
and the hits a person confirms or rejects (writes idempotent by key). A manual entry takes
two keys: its route is a desk's (desks.watch_list_entry_routes)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.contracts import Request
from gangting.watchlists import derivation, hits, service
from gangting.watchlists.rules import ENTRY_STATES, HIT_STATES, ReasonKind
from gangting.watchlists.schemas import (
    BoothWatchList,
    EntryList,
    EntryOut,
    HitDetail,
    HitList,
    HitOut,
    RebuildOut,
)
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.staff_writes import post_write
from gangting.web.writes import run_read

router = APIRouter(prefix="/api/v1", tags=["缉查布控 watch-list"])

_KINDS = "^(" + "|".join(k.value for k in ReasonKind) + ")$"


class Withdrawal(Request):
    reason: str = Field(max_length=200, description="撤控事由")


class HitDecision(Request):
    note: str | None = Field(default=None, max_length=500, description="处理说明")


class HitRejection(Request):
    note: str = Field(max_length=500, description="否定原因（如：号牌实为蒙B·8Z345，非布控车辆）")


@router.get(
    "/booth/watch-list",
    response_model=BoothWatchList,
    response_model_exclude_unset=True,
    summary="岗亭获取布控名单（全量或自某版本以来的增量）",
)
def booth_watch_list(
    ctx: ContextDep,
    actor: ActorDep,
    since_version: Annotated[
        int | None, Query(ge=0, le=2**62, description="岗亭已持有的版本；不填为全量")
    ] = None,
) -> dict[str, Any]:
    result: dict[str, Any] = run_read(
        ctx, lambda uow: service.booth_snapshot(uow, actor, since_version)
    )
    return result


@router.get("/staff/watch-list", response_model=EntryList, summary="布控名单（民警及以上）")
def staff_watch_list(
    ctx: ContextDep,
    actor: ActorDep,
    plate: Annotated[str | None, Query(max_length=12)] = None,
    kind: Annotated[str | None, Query(pattern=_KINDS)] = None,
    state: Annotated[str | None, Query(pattern="^(" + "|".join(ENTRY_STATES) + ")$")] = "active",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    result: dict[str, Any] = run_read(
        ctx,
        lambda uow: service.list_entries(
            uow, actor, plate_text=plate, kind=kind, state=state, limit=limit, offset=offset
        ),
    )
    return result


@router.post(
    "/staff/watch-list/{entry_id}/withdraw",
    response_model=EntryOut,
    summary="撤控人工布控条目（督察及以上）",
)
def withdraw_entry(
    entry_id: uuid.UUID,
    body: Withdrawal,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return post_write(
        ctx,
        actor,
        key,
        f"/staff/watch-list/{entry_id}/withdraw",
        body,
        lambda uow: service.withdraw_entry(uow, actor, entry_id, body.reason),
        action="watch_list_withdraw",
    )


@router.post(
    "/staff/watch-list/rebuild",
    response_model=RebuildOut,
    summary="按业务记录重建自动布控条目（管理员）",
)
def rebuild(ctx: ContextDep, actor: ActorDep, key: IdempotencyKey = None) -> JSONResponse:
    policy = service.policy_from_settings(ctx.settings)
    return post_write(
        ctx,
        actor,
        key,
        "/staff/watch-list/rebuild",
        None,
        lambda uow: derivation.rebuild_on_request(uow, actor, policy),
        action="watch_list_rebuild",
    )


@router.get(
    "/staff/watch-list-hits",
    response_model=HitList,
    summary="布控比中记录（本单位辖区岗亭，按时间倒序）",
)
def list_hits(
    ctx: ContextDep,
    actor: ActorDep,
    state: Annotated[str | None, Query(pattern="^(" + "|".join(HIT_STATES) + ")$")] = None,
    booth: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    found = run_read(
        ctx,
        lambda uow: hits.list_hits(uow, actor, state=state, booth_code=booth, limit=limit),
    )
    return {"hits": found}


@router.get(
    "/staff/watch-list-hits/{hit_id}",
    response_model=HitDetail,
    summary="一条比中记录（含证据小图）",
)
def get_hit(hit_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    result: dict[str, Any] = run_read(ctx, lambda uow: hits.get_hit(uow, actor, hit_id))
    return result


@router.post(
    "/staff/watch-list-hits/{hit_id}/confirm",
    response_model=HitOut,
    summary="确认比中（民警及以上）",
)
def confirm_hit(
    hit_id: uuid.UUID,
    body: HitDecision,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return post_write(
        ctx,
        actor,
        key,
        f"/staff/watch-list-hits/{hit_id}/confirm",
        body,
        lambda uow: hits.confirm_hit(uow, actor, hit_id, body.note),
        action="watch_list_hit_confirm",
    )


@router.post(
    "/staff/watch-list-hits/{hit_id}/reject",
    response_model=HitOut,
    summary="否定比中（民警及以上）",
)
def reject_hit(
    hit_id: uuid.UUID,
    body: HitRejection,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return post_write(
        ctx,
        actor,
        key,
        f"/staff/watch-list-hits/{hit_id}/reject",
        body,
        lambda uow: hits.reject_hit(uow, actor, hit_id, body.note),
        action="watch_list_hit_reject",
    )
