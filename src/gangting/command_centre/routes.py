"""The command centre's API: the live stream (server-sent events), the screen's snapshot and
booth detail, telemetry history, evidence crops, and remote assist for staff and booths."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import AwareDatetime, Field
from starlette.concurrency import run_in_threadpool

from gangting.booths.payloads import TELEMETRY_KINDS
from gangting.command_centre import assist, records, views
from gangting.command_centre.live_bus import LiveHub
from gangting.command_centre.live_rules import LIVE_KINDS, LiveEvent, visible_to
from gangting.command_centre.rules import MESSAGE_MAX
from gangting.command_centre.schemas import (
    BoothDetail,
    BoothSyncOut,
    LiveStatus,
    MeOut,
    PlateReadEvidence,
    RecordPage,
    SentToKiosk,
    SessionDetail,
    SessionList,
    Snapshot,
    TelemetryHistory,
)
from gangting.context import Context
from gangting.contracts import Request as Body
from gangting.kernel.actor import Actor
from gangting.kernel.errors import Unavailable
from gangting.staff import service as staff
from gangting.staff.errors import TokenInvalid
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.staff_writes import post_write
from gangting.web.writes import run_read

router = APIRouter(prefix="/api/v1", tags=["指挥中心 command centre"])
booth_router = APIRouter(prefix="/api/v1/booth", tags=["远程协助 remote assist (booth)"])

HEARTBEAT_S = 15.0
REAUTH_S = 60.0


def _hub(request: Request) -> LiveHub:
    hub: LiveHub | None = getattr(request.app.state, "live_hub", None)
    if hub is None:
        raise Unavailable("实时推送未启用（GANGTING_LIVE_EVENTS）", code="live.unavailable")
    return hub


def _policy(request: Request) -> views.ScreenPolicy:
    policy: views.ScreenPolicy = request.app.state.screen_policy
    return policy


def sse_frame(event: LiveEvent) -> str:
    data = json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":"))
    return f"id: {event.id}\nevent: {event.kind}\ndata: {data}\n\n"


def _control(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _still_valid(ctx: Context, token: str) -> bool:
    try:
        with ctx.uow() as uow:
            staff.authenticate(uow, token)
    except TokenInvalid:
        return False
    return True


@router.get(
    "/live",
    summary="实时事件流（Server-Sent Events；断线重连携带 Last-Event-ID 补发）",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "事件流：每个事件为 id、event、data（JSON）三行；另有 hello、reset、"
            "auth、bye 控制事件与心跳注释",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def live_stream(
    request: Request,
    ctx: ContextDep,
    actor: ActorDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=64)] = None,
    kinds: Annotated[
        str | None, Query(max_length=200, description="只要这些类别（逗号分隔）")
    ] = None,
) -> StreamingResponse:
    """Events of the caller's org scope as ``id``/``event``/``data`` frames. Reconnect with
    ``Last-Event-ID``: what this worker still holds is sent again (drop the ids you have);
    an ``event: reset`` means something may be missing: reload the snapshot."""
    staff.require_role(actor, "officer")
    hub = _hub(request)
    wanted = {k for k in (kinds or "").split(",") if k} or set(LIVE_KINDS)
    token = (request.headers.get("authorization") or "")[7:].strip()
    try:
        last_id = uuid.UUID(last_event_id) if last_event_id else None
        bad_last = False
    except ValueError:
        last_id, bad_last = None, True

    def shown(event: LiveEvent) -> bool:
        return event.kind in wanted and visible_to(event, actor.role, actor.org_path, actor.name)

    async def frames() -> AsyncIterator[str]:
        sub = hub.subscribe()  # before the replay: nothing falls between the two
        try:
            yield "retry: 2000\n"
            yield _control("hello", {"connected": hub.connected.is_set(), "resumed": bool(last_id)})
            replay = hub.replay(last_id)
            if replay.gap or bad_last:
                yield _control("reset", {"reason": "gap"})
            replayed = {e.id for e in replay.events}
            for event in replay.events:
                if shown(event):
                    yield sse_frame(event)
            next_beat = time.monotonic() + HEARTBEAT_S
            next_auth = time.monotonic() + REAUTH_S
            while not hub.closing.is_set():
                if sub.overflowed:
                    yield _control("reset", {"reason": "overflow"})
                    return
                try:
                    event = await asyncio.wait_for(sub.queue.get(), 1.0)
                except TimeoutError:
                    now = time.monotonic()
                    if now >= next_auth:
                        next_auth = now + REAUTH_S
                        if not await run_in_threadpool(_still_valid, ctx, token):
                            yield _control("auth", {"message": "登录已失效，请重新登录"})
                            return
                    if now >= next_beat:
                        next_beat = now + HEARTBEAT_S
                        yield ": ping\n\n"
                    continue
                if event.id in replayed:
                    replayed.discard(event.id)
                    continue
                if shown(event):
                    yield sse_frame(event)
            yield _control("bye", {"reason": "shutdown"})
        finally:
            hub.unsubscribe(sub)

    return StreamingResponse(
        frames(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/centre/live-status",
    response_model=LiveStatus,
    summary="实时推送状态（本进程）",
    tags=["运维 ops"],
)
def live_status(request: Request, actor: ActorDep) -> dict[str, Any]:
    from gangting.command_centre import live

    staff.require_role(actor, "officer")
    hub: LiveHub | None = getattr(request.app.state, "live_hub", None)
    return {
        "enabled": hub is not None,
        "connected": hub is not None and hub.connected.is_set(),
        "streams": hub.streams if hub is not None else 0,
        "hub": dict(hub.stats) if hub is not None else {},
        "published": dict(live.stats),
    }


@router.get(
    "/centre/me", response_model=MeOut, summary="当前登录人员（姓名、角色、单位、可否下发）"
)
def me(ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    result: dict[str, Any] = run_read(ctx, lambda uow: views.me(uow, actor))
    return result


RecordKind = Literal["plate_reads", "hits", "alerts", "instructions"]


def _filters(
    plate: Annotated[str | None, Query(max_length=12, description="号牌（可只填一部分）")] = None,
    booth: Annotated[str | None, Query(max_length=32, description="岗亭编号")] = None,
    since: Annotated[AwareDatetime | None, Query(description="起始时间（含，带时区）")] = None,
    until: Annotated[AwareDatetime | None, Query(description="截止时间（不含，带时区）")] = None,
    closed: Annotated[bool, Query(description="只看已结束的（历史）")] = False,
) -> records.Filters:
    return records.Filters(plate or None, booth or None, since, until, closed)


FiltersDep = Annotated[records.Filters, Depends(_filters)]


@router.get(
    "/centre/records/{kind}",
    response_model=RecordPage,
    summary="查询与历史：过车、比中、告警、指令（分页）",
)
def search_records(
    kind: RecordKind,
    filters: FiltersDep,
    ctx: ContextDep,
    actor: ActorDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=records.PAGE_SIZE_MAX)] = 20,
) -> dict[str, Any]:
    """Newest first, within the caller's org scope; ``closed`` for the history of closed
    alerts, decided hits and finished instructions with who closed each and the note."""
    result: dict[str, Any] = run_read(
        ctx, lambda uow: records.search(uow, actor, kind, filters, records.Page(page, size))
    )
    return result


@router.get(
    "/centre/records/{kind}/export",
    summary="导出查询结果（CSV，UTF-8 带 BOM）",
    response_class=Response,
    responses={
        200: {
            "description": "CSV 文件（附件下载）",
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def export_records(
    kind: RecordKind, filters: FiltersDep, ctx: ContextDep, actor: ActorDep
) -> Response:
    """Every matching record (at most ``records.EXPORT_MAX``), audited."""
    text, _count = run_read(ctx, lambda uow: records.export_csv(uow, actor, kind, filters))
    name = f"{kind}.csv"
    zh = quote(f"{records.KIND_TITLE_ZH[kind]}.csv")
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename={name}; filename*=UTF-8''{zh}",
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/centre/snapshot",
    response_model=Snapshot,
    response_model_exclude_unset=True,
    summary="指挥中心大屏：岗亭、告警、比中、指令、过车与远程协助",
)
def snapshot(request: Request, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    policy = _policy(request)
    result: dict[str, Any] = run_read(ctx, lambda uow: views.snapshot(uow, actor, policy))
    return result


@router.get(
    "/centre/booths/{code}",
    response_model=BoothDetail,
    summary="岗亭详情：登记信息、当前状态、远程指令、过车记录",
)
def booth_detail(code: str, request: Request, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    policy = _policy(request)
    result: dict[str, Any] = run_read(ctx, lambda uow: views.booth_detail(uow, actor, code, policy))
    return result


@router.get(
    "/centre/booths/{code}/telemetry",
    response_model=TelemetryHistory,
    summary="岗亭运行数据历史（用于曲线）",
)
def telemetry(
    code: str,
    ctx: ContextDep,
    actor: ActorDep,
    kind: Annotated[
        str, Query(pattern="^[a-z][a-z0-9_]{0,31}$", description=", ".join(TELEMETRY_KINDS))
    ],
    hours: Annotated[int, Query(ge=1, le=24 * 30)] = 24,
) -> dict[str, Any]:
    result: dict[str, Any] = run_read(
        ctx, lambda uow: views.telemetry_history(uow, actor, code, kind, hours)
    )
    return result


@router.get(
    "/centre/plate-reads/{read_id}/evidence",
    response_model=PlateReadEvidence,
    summary="过车记录的证据小图",
)
def evidence(read_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    result: dict[str, Any] = run_read(
        ctx, lambda uow: views.plate_read_evidence(uow, actor, read_id)
    )
    return result


# --- remote assist: the operator ------------------------------------------------------------


class MessageIn(Body):
    text: str = Field(min_length=1, max_length=MESSAGE_MAX, description="消息内容")


class CloseIn(Body):
    note: str | None = Field(default=None, max_length=200, description="处理情况")


@router.get("/centre/assist", response_model=SessionList, summary="远程协助会话（本单位辖区岗亭）")
def assist_sessions(
    ctx: ContextDep,
    actor: ActorDep,
    active: bool = True,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    found = run_read(ctx, lambda uow: assist.list_sessions(uow, actor, active=active, limit=limit))
    return {"sessions": found}


@router.get(
    "/centre/assist/{session_id}",
    response_model=SessionDetail,
    summary="一次远程协助（含屏幕状态与全部消息）",
)
def assist_session(session_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    result: dict[str, Any] = run_read(ctx, lambda uow: assist.get_session(uow, actor, session_id))
    return result


@router.post(
    "/centre/assist/{session_id}/join",
    response_model=SessionDetail,
    summary="接入远程协助（民警及以上）",
)
def assist_join(
    session_id: uuid.UUID, ctx: ContextDep, actor: ActorDep, key: IdempotencyKey = None
) -> JSONResponse:
    return post_write(
        ctx,
        actor,
        key,
        f"/centre/assist/{session_id}/join",
        None,
        lambda uow: assist.join_session(uow, actor, session_id),
        action="assist_join",
    )


def _to_kiosk(
    ctx: Context,
    actor: Actor,
    key: str | None,
    session_id: uuid.UUID,
    body: MessageIn,
    kind: Literal["text", "hint"],
) -> JSONResponse:
    """A text message (``/messages``) or a screen hint (``/hints``) to the kiosk."""
    what = "message" if kind == "text" else "hint"
    return post_write(
        ctx,
        actor,
        key,
        f"/centre/assist/{session_id}/{what}s",
        body,
        lambda uow: assist.send_to_kiosk(uow, actor, session_id, body.text, kind),
        action=f"assist_{what}",
    )


@router.post(
    "/centre/assist/{session_id}/messages",
    response_model=SentToKiosk,
    summary="向岗亭群众发送文字消息",
)
def assist_message(
    session_id: uuid.UUID,
    body: MessageIn,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return _to_kiosk(ctx, actor, key, session_id, body, "text")


@router.post(
    "/centre/assist/{session_id}/hints",
    response_model=SentToKiosk,
    summary="向自助终端屏幕推送操作提示",
)
def assist_hint(
    session_id: uuid.UUID,
    body: MessageIn,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return _to_kiosk(ctx, actor, key, session_id, body, "hint")


@router.post(
    "/centre/assist/{session_id}/close", response_model=SessionDetail, summary="结束远程协助"
)
def assist_close(
    session_id: uuid.UUID,
    body: CloseIn,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return post_write(
        ctx,
        actor,
        key,
        f"/centre/assist/{session_id}/close",
        body,
        lambda uow: assist.close_session(uow, actor, session_id, body.note),
        action="assist_close",
    )


# --- remote assist: the booth node ------------------------------------------------------------


class KioskScreenIn(Body):
    screen: str | None = Field(default=None, pattern="^[a-z_-]{1,24}$")
    service: str | None = Field(default=None, pattern="^[a-z_-]{1,24}$")
    elder: bool = False
    screen_elapsed_s: int = Field(default=0, ge=0, le=7 * 24 * 3600)


class CitizenMessageIn(Body):
    client_id: str = Field(pattern="^[A-Za-z0-9_-]{8,64}$")
    text: str = Field(min_length=1, max_length=MESSAGE_MAX)


class BoothSync(Body):
    session_id: uuid.UUID | None = Field(default=None, description="岗亭正在跟随的会话")
    open: bool = Field(default=False, description="没有进行中的会话时开启一个（群众按了求助）")
    screen: KioskScreenIn | None = None
    messages: list[CitizenMessageIn] = Field(default_factory=list, max_length=20)
    since_seq: int = Field(default=0, ge=0)
    wait_s: float = Field(default=0, ge=0, le=4, description="无新消息时最多等待（秒）")
    leave: bool = Field(default=False, description="群众已结束办理：结束本次远程协助")


@booth_router.post(
    "/assist/sync",
    response_model=BoothSyncOut,
    summary="岗亭同步远程协助：上报屏幕状态与群众消息，取回中心消息",
)
async def booth_sync(
    body: BoothSync, request: Request, ctx: ContextDep, actor: ActorDep
) -> dict[str, Any]:
    """Answers at once when there is something new for the booth, else waits up to
    ``wait_s`` for the operator (a long poll woken by the live events)."""
    hub: LiveHub | None = getattr(request.app.state, "live_hub", None)
    screen = (
        assist.KioskScreen(
            body.screen.screen, body.screen.service, body.screen.elder, body.screen.screen_elapsed_s
        )
        if body.screen is not None
        else None
    )
    messages = [assist.CitizenMessage(m.client_id, m.text) for m in body.messages]

    def sync() -> dict[str, Any]:
        with ctx.uow() as uow:
            return assist.sync_from_booth(
                uow,
                actor,
                session_id=body.session_id,
                open_session=body.open,
                screen=screen,
                messages=messages,
                since_seq=body.since_seq,
                leave=body.leave,
            )

    if hub is None or body.wait_s <= 0:
        result: dict[str, Any] = await run_in_threadpool(sync)
        return result
    woken = hub.expect(
        lambda e: (
            e.kind == "remote_assist" and e.booth == actor.name and e.data.get("by") == "operator"
        )
    )
    try:
        result = await run_in_threadpool(sync)
        session = result.get("session")
        new_for_booth = any(m["sender"] == "operator" for m in result.get("messages", []))
        if session is None or session["state"] == "closed" or new_for_booth:
            return result
        try:
            await asyncio.wait_for(asyncio.shield(woken), body.wait_s)
        except TimeoutError:
            return result
        session_id = uuid.UUID(session["id"])

        def again() -> dict[str, Any]:
            with ctx.uow() as uow:
                return assist.read_for_booth(uow, actor, session_id, body.since_seq)

        later: dict[str, Any] = await run_in_threadpool(again)
        return later
    finally:
        hub.forget(woken)
