"""Deferral or instalments of a fine over HTTP (行政处罚法 第66条第2款; the use cases:
desks.fine_deferrals). At the booth the identified citizen applies and reads their
application; supervisors list the applications of their jurisdiction, ask to grant one (202:
a pending two-keys approval, executed when a second supervisor approves it through
POST /api/v1/staff/approvals/{id}/approve) or refuse one (one key)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.approvals.rules import ApprovalKind
from gangting.approvals.schemas import ApprovalView
from gangting.context import Context
from gangting.contracts import Request
from gangting.desks import fine_deferrals, two_keys
from gangting.desks.booth_call import BoothCallDep, BoothReadDep
from gangting.desks.schemas import ApplicationAnswer
from gangting.fines.deferral_rules import DeferralKind, DeferralState
from gangting.fines.deferrals import DeferralTerms
from gangting.fines.requests import ApplyForDeferral
from gangting.kernel.actor import Actor
from gangting.staff.service import require_role
from gangting.web.deps import ActorDep, ContextDep
from gangting.web.openapi import Answer, IsoDate, ReasonView, error_responses
from gangting.web.routing import ListLimit, Work, desk_router, enum_pattern, subject_act
from gangting.web.writes import run_read

router = desk_router("/api/v1/fine-deferrals", "缴款 payments")
staff_router = desk_router("/api/v1/staff/fine-deferrals", "督察 supervision")


class Note(Request):
    note: str | None = Field(default=None, max_length=500, description="意见（可选）")


class Refusal(Request):
    note: str = Field(max_length=500, description="不予批准的理由（至少2个字，告知申请人）")


class InstalmentView(Answer):
    instalment_no: str = Field(description="期款编号")
    seq: int = Field(description="第几期")
    amount_fen: int = Field(description="本期金额（分）")
    amount_display: str
    due_on: IsoDate = Field(description="本期缴款期限")
    falls_due_on: IsoDate = Field(description="实际到期日（前期逾期、其余各期同时到期时提前）")
    state: str = Field(description="unpaid | paid")
    paid_on: IsoDate | None
    late_fee_fen: int = Field(description="本期加处罚款（已缴：实缴；未缴：截至今日）")
    days_late: int
    total_fen: int = Field(description="本期应缴（或已缴）合计（分）")


class DeferralView(Answer):
    deferral_no: str = Field(description="申请编号")
    decision_no: str
    kind: str = Field(description="deferral | instalments")
    kind_text: str
    state: str = Field(description="pending 待审批 | approved 已批准 | refused 不予批准")
    state_text: str
    fine_fen: int
    due_on: IsoDate = Field(description="处罚决定书载明的缴款期限")
    defer_until: IsoDate | None = Field(description="暂缓缴纳至")
    instalment_count: int | None
    applied_on: IsoDate
    decided_by: str | None = Field(description="批准（申请人一方）或不予批准的督察")
    note: str | None
    instalments: list[InstalmentView] = Field(description="各期款项（批准分期后）")
    reasons: list[ReasonView]
    legal_basis: list[str]


class DeferralAnswer(ApplicationAnswer):
    deferral: DeferralView


class DeferralList(Answer):
    deferrals: list[DeferralView]


@router.post(
    "",
    status_code=201,
    response_model=DeferralAnswer,
    responses=error_responses(409),
    summary="申请暂缓或分期缴纳罚款（确有经济困难；须经批准）",
)
def apply(body: ApplyForDeferral, call: BoothCallDep) -> JSONResponse:
    terms = DeferralTerms(
        DeferralKind(body.kind), body.reason, body.defer_until, body.instalment_count
    )
    policy = fine_deferrals.deferral_policy(call.ctx.settings)
    return call.write(
        "/fine-deferrals",
        body,
        lambda uow, citizen: fine_deferrals.apply(
            uow, call.actor, citizen, body.decision_no, terms, policy
        ),
        service_item="apply_fine_deferral",
        status_code=201,
    )


@router.get(
    "/{deferral_no}",
    response_model=DeferralView,
    summary="查询本人的暂缓或分期缴纳申请及各期款项",
)
def get_deferral(deferral_no: str, call: BoothReadDep) -> dict[str, Any]:
    policy = fine_deferrals.deferral_policy(call.ctx.settings)
    return call.read(
        lambda uow, citizen: fine_deferrals.citizen_deferral(uow, citizen, deferral_no, policy)
    )


_STATES = enum_pattern(DeferralState)


@staff_router.get(
    "",
    response_model=DeferralList,
    summary="本单位辖区内的暂缓或分期缴纳申请（督察及以上；按申请时间倒序）",
)
def list_deferrals(
    ctx: ContextDep,
    actor: ActorDep,
    state: Annotated[str | None, Query(pattern=_STATES)] = None,
    limit: ListLimit = 100,
) -> dict[str, Any]:
    return run_read(
        ctx,
        lambda uow: {
            "deferrals": fine_deferrals.list_deferrals(
                uow, actor, DeferralState(state) if state else None, ctx.settings, limit
            )
        },
    )


def _grant(ctx: Context, actor: Actor, deferral_no: str, body: Note) -> Work:
    require_role(actor, "supervisor")
    payload = {"deferral_no": deferral_no, "note": body.note}
    return lambda uow: two_keys.request(
        uow, actor, ApprovalKind.FINE_DEFERRAL, payload, ctx.settings
    )


def _refuse(ctx: Context, actor: Actor, deferral_no: str, body: Refusal) -> Work:
    return lambda uow: fine_deferrals.refuse(uow, actor, deferral_no, body.note, ctx.settings)


subject_act(
    staff_router,
    "deferral_no",
    "grant",
    Note,
    _grant,
    name="grant",
    action="grant_fine_deferral",
    status_code=202,
    response_model=ApprovalView,
    responses=error_responses(409),
    summary="申请批准暂缓或分期缴纳（督察及以上，限本单位辖区；须另一名有管辖权的督察审批后生效）",
)
subject_act(
    staff_router,
    "deferral_no",
    "refuse",
    Refusal,
    _refuse,
    name="refuse",
    action="refuse_fine_deferral",
    response_model=DeferralView,
    responses=error_responses(409),
    summary="不予批准暂缓或分期缴纳（督察及以上，限本单位辖区；须说明理由）",
)
