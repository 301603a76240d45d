"""The manager page's API and the report downloads (issue 13 §5): parse, call the reporting
service, render. Supervisors and administrators only (there is no separate manager role;
docs/decisions/0024-reports.md). Booth figures are those of the booths in the caller's
scope (``staff.scope``; an admin sees all); the reform estimates are the city's, by
district. Aggregates without personal data: reading them writes no audit entry."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

from gangting.reporting import service
from gangting.staff.service import require_role
from gangting.web.deps import ActorDep, ContextDep
from gangting.web.openapi import Answer, error_responses
from gangting.web.writes import run_read

router = APIRouter(
    prefix="/api/v1/staff/reports",
    tags=["报表 reports"],
    responses=error_responses(401, 403, 422),
)
From = Annotated[
    str | None,
    Query(alias="from", max_length=10, description="开始日期 YYYY-MM-DD（北京时间，含）"),
]
To = Annotated[
    str | None, Query(alias="to", max_length=10, description="结束日期 YYYY-MM-DD（含）")
]
ROLE = "supervisor"
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


class KpiAnswer(Answer):
    from_: str = Field(alias="from")
    to: str
    by: list[str]
    rows: list[dict[str, Any]]


class OverviewAnswer(Answer):
    from_: str = Field(alias="from")
    to: str
    total: dict[str, Any] | None
    months: list[dict[str, Any]]
    booths: list[dict[str, Any]]
    refusals: list[dict[str, Any]]
    ratings: list[dict[str, Any]]
    assumptions: dict[str, float]


class ReformAnswer(Answer):
    from_: str = Field(alias="from")
    to: str
    months: list[str]
    control: str
    rollout: list[dict[str, Any]]
    effects: list[dict[str, Any]]


@router.get(
    "/kpis",
    response_model=KpiAnswer,
    summary="服务指标（等候、办理时长、一次办结率、每岗亭小时办件、减少往返与里程、节省警力），"
    "按 booth / district / month / service_item 分组（督察及以上）",
)
def kpi_rows(
    ctx: ContextDep, actor: ActorDep, start: From = None, end: To = None, by: str = "booth"
) -> dict[str, Any]:
    require_role(actor, ROLE)
    first, last = service.parse_period(start, end, ctx.clock.today(), months=1)
    return run_read(
        ctx,
        lambda uow: service.kpi_rows(
            uow.session, ctx.settings, first, last, by, service.booths_in_scope(uow.session, actor)
        ),
    )


@router.get(
    "/overview",
    response_model=OverviewAnswer,
    summary="管理看板：期间合计、按月趋势、岗亭排名、拒办原因、好差评（督察及以上）",
)
def overview(
    ctx: ContextDep, actor: ActorDep, start: From = None, end: To = None
) -> dict[str, Any]:
    require_role(actor, ROLE)
    first, last = service.parse_period(start, end, ctx.clock.today(), months=12)
    return run_read(
        ctx,
        lambda uow: service.overview(
            uow.session, ctx.settings, first, last, service.booths_in_scope(uow.session, actor)
        ),
    )


@router.get(
    "/reform",
    response_model=ReformAnswer,
    summary="改革成效：各结果的双重差分估计（Callaway & Sant'Anna）、事件研究图、平行趋势检验"
    "（督察及以上）",
)
def reform(ctx: ContextDep, actor: ActorDep, start: From = None, end: To = None) -> dict[str, Any]:
    require_role(actor, ROLE)
    first, last = service.parse_period(start, end, ctx.clock.today(), months=36)
    return run_read(ctx, lambda uow: service.reform_estimates(uow.session, first, last))


@router.get(
    "/{kind}.{fmt}",
    response_class=Response,
    responses={
        200: {
            "description": "报告文件（附件下载）",
            "content": {
                "text/html": {"schema": {"type": "string", "description": "自包含的 HTML"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
    summary="下载报告：monthly（服务月报）或 reform（改革成效），html 或 pdf（督察及以上）",
)
def download(
    kind: str, fmt: str, ctx: ContextDep, actor: ActorDep, start: From = None, end: To = None
) -> Response:
    require_role(actor, ROLE)
    months = 1 if kind == "monthly" else 36
    first, last = service.parse_period(start, end, ctx.clock.today(), months=months)
    body = run_read(
        ctx,
        lambda uow: service.render(
            uow.session,
            ctx.settings,
            kind,
            fmt,
            first,
            last,
            ctx.clock.now(),
            booth_ids=service.booths_in_scope(uow.session, actor),
        ),
    )
    name = service.file_name(kind, fmt, first, last)
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
