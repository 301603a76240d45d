"""Staff routes of the bad-review remedies (差评整改) and the published 好差评 indicators:
officers and supervisors of the responsible unit, or of a unit above it, read remedies and
move them a step at a time (each step idempotent by key and audited)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy import select

from gangting.booths.models import Booth
from gangting.contracts import Request
from gangting.kernel.errors import Invalid
from gangting.ratings import remedies, service
from gangting.ratings.indicators import rating_indicators
from gangting.ratings.schemas import IndicatorList, RemedyList, RemedyWithHistory
from gangting.staff.models import OrgUnit
from gangting.staff.scope import scoped
from gangting.staff.service import require_role
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.openapi import error_responses
from gangting.web.staff_writes import post_write
from gangting.web.writes import run_read

router = APIRouter(prefix="/api/v1/ratings", tags=["好差评 ratings"])

FORMULAS = {
    "rating_rate": "评价数 / 办件数（期间内岗亭办结或不予办理的办件；评价计入其所评办件的期间）",
    "good_rate": "好评数（满意、非常满意）/ 评价数",
    "fix_rate": "已办结的差评整改数 / 差评数（不满意、非常不满意）",
    "on_time_rate": "在整改期限当日结束前办结的整改数 / 已办结的整改数",
}


class StepNote(Request):
    # Blank notes are refused by the service with its own message (ratings.remedy_note_required)
    note: str = Field(max_length=500, description="本步骤的情况说明（必填）")


class ContactStep(StepNote):
    complex_matter: bool = Field(
        default=False, description="复杂事项：整改期限按复杂事项的工作日数重新计算"
    )


class CloseStep(StepNote):
    # A missing answer is refused by the service in words (ratings.citizen_answer_required)
    citizen_answer: Literal["satisfied", "not_satisfied"] | None = Field(
        default=None, description="评价人对整改结果的意见：满意 / 不满意（必填）"
    )


@router.get(
    "/remedies",
    response_model=RemedyList,
    responses=error_responses(401, 403, 422),
    summary="差评整改：本单位及下级单位的整改记录（按期限排序）",
)
def list_remedies(
    ctx: ContextDep,
    actor: ActorDep,
    state: Literal["open", "assigned", "contacted", "fixed", "return_visited", "closed"]
    | None = None,
    status: Literal["open", "overdue", "escalated", "closed"] | None = Query(
        default=None,
        description="工作台筛选：open 未办结，overdue 已逾期，escalated 已升级督办（未办结），"
        "closed 已办结（最近办结在前）",
    ),
) -> dict[str, Any]:
    return {
        "remedies": run_read(
            ctx,
            lambda uow: remedies.list_remedies(
                uow, actor, state=state, status=status, calendar=ctx.calendar
            ),
        )
    }


@router.get(
    "/remedies/{remedy_id}",
    response_model=RemedyWithHistory,
    responses=error_responses(401, 403, 404, 422),
    summary="差评整改：一条整改记录及其办理经过",
)
def get_remedy(remedy_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    return run_read(ctx, lambda uow: remedies.get_remedy(uow, actor, remedy_id, ctx.calendar))


_STEP_RESPONSES = error_responses(401, 403, 404, 409, 422)


def _step_route(path: str, action: str, body_type: type[StepNote], summary: str) -> None:
    """One step's route: POST /remedies/{id}/<path> moves the remedy by ``action`` with the
    note and whatever else the step's body carries (complex_matter, citizen_answer)."""

    def step(
        remedy_id: uuid.UUID,
        body: StepNote,
        ctx: ContextDep,
        actor: ActorDep,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        policy = service.remedy_policy(ctx.settings)
        extra = body.model_dump(exclude={"note"})
        return post_write(
            ctx,
            actor,
            key,
            f"/ratings/remedies/{remedy_id}/{action}",
            body,
            lambda uow: remedies.advance_remedy(
                uow,
                actor,
                remedy_id,
                action,
                note=body.note,
                policy=policy,
                calendar=ctx.calendar,
                **extra,
            ),
            action=f"bad_review_remedy.{action}",
        )

    # FastAPI reads the body's model from the annotation: each step has its own.
    step.__annotations__["body"] = body_type
    router.post(
        f"/remedies/{{remedy_id}}/{path}",
        response_model=RemedyWithHistory,
        responses=_STEP_RESPONSES,
        summary=summary,
        name=action,
    )(step)


_step_route("contact", "contact", ContactStep, "差评整改：已联系评价人并核实（可标为复杂事项）")
_step_route("fix", "fix", StepNote, "差评整改：已整改")
_step_route("return-visit", "return_visit", StepNote, "差评整改：已回访评价人")
_step_route("close", "close", CloseStep, "差评整改：办结（记录评价人的意见）")


@router.get(
    "/indicators",
    response_model=IndicatorList,
    responses=error_responses(401, 403, 422),
    summary="好差评指标：评价率、好评率、差评整改率、按期整改率（按岗亭、大队或月份）",
)
def indicators(
    ctx: ContextDep,
    actor: ActorDep,
    start: date,
    end: date,
    by: Literal["booth", "brigade", "month"] = Query(default="booth"),
) -> dict[str, Any]:
    if end < start:
        raise Invalid("结束日期不能早于开始日期", code="ratings.period_invalid")
    if (end - start).days > 366 * 3:
        raise Invalid("统计期间最长三年", code="ratings.period_invalid")

    def work(uow: Any) -> list[Any]:
        require_role(actor, "officer")
        booth_ids = set(
            uow.session.execute(
                scoped(select(Booth.id).join(OrgUnit, OrgUnit.id == Booth.org_unit_id), actor)
            ).scalars()
        )
        return rating_indicators(uow.session, start=start, end=end, by=by, booth_ids=booth_ids)

    rows = run_read(ctx, work)
    return {
        "by": by,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "rows": [r.to_dict() for r in rows],
        "formulas": FORMULAS,
    }
