"""Referrals (转办) and objections to camera records (异议, 处理程序规定 第5条第3款) over HTTP
(the use cases: desks.referrals). At the booth the identified citizen's matter is referred,
an objection filed, a referral read and supplied with what the unit asked for; the
responsible unit's staff list their referrals and accept, ask for more, finish or decline."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.context import Context
from gangting.contracts import Request
from gangting.desks import referrals
from gangting.desks.booth_call import BoothCallDep, BoothReadDep
from gangting.desks.schemas import ApplicationAnswer
from gangting.kernel.actor import Actor
from gangting.referrals import service as referral_service
from gangting.referrals.requests import FileObjection, Refer, Supply
from gangting.referrals.rules import (
    NOTE_MAX_CHARS,
    Outcome,
    ReferralKind,
    ReferralState,
    Step,
)
from gangting.referrals.service import Materials, ReferralTerms
from gangting.web.deps import ActorDep, ContextDep
from gangting.web.openapi import Answer, IsoDate, IsoDateTime, error_responses
from gangting.web.routing import (
    ListLimit,
    SubjectWork,
    Work,
    desk_router,
    enum_pattern,
    subject_act,
)
from gangting.web.writes import run_read

_TAG = "转办 referrals"
router = desk_router("/api/v1/referrals", _TAG)
objection_router = desk_router("/api/v1/objections", _TAG)
staff_router = desk_router("/api/v1/staff/referrals", _TAG)


class StepNote(Request):
    note: str | None = Field(default=None, max_length=NOTE_MAX_CHARS, description="意见（可选）")


class RequiredNote(Request):
    note: str = Field(max_length=NOTE_MAX_CHARS, description="说明（2至500字，告知申请人）")


class Finish(Request):
    note: str = Field(max_length=NOTE_MAX_CHARS, description="办理结果（2至500字，告知申请人）")
    outcome: Literal["upheld", "rejected"] | None = Field(
        default=None,
        description="异议审查结论（异议必填）：upheld 异议成立（违法记录予以消除）"
        " | rejected 异议不成立",
    )


class MaterialsView(Answer):
    evidence_refs: list[str]
    documents: list[str]
    data: dict[str, Any] = Field(description="办件数据")


class StepView(Answer):
    seq: int
    step: str = Field(description="refer | accept | request_more | supply | finish | decline")
    step_text: str
    state_after: str
    note: str | None
    materials: dict[str, Any]
    by: str | None = Field(description="经办人（仅民警可见）")
    at: IsoDateTime


class ReferralView(Answer):
    referral_no: str = Field(description="转办编号（异议以YY开头）")
    kind: str = Field(description="referral 转办 | objection 交通违法异议")
    kind_text: str
    state: str = Field(
        description="referred 已转办 | accepted 已受理 | more_requested 待补充材料 | "
        "finished 已办结 | declined 不予受理"
    )
    state_text: str
    service_item: str
    service_text: str
    application_no: str | None
    unit_code: str = Field(description="承办单位代码")
    unit_name: str
    reason: str = Field(description="转办原因；异议：当事人陈述")
    materials: MaterialsView
    violation_ref: str | None
    outcome: str | None = Field(description="upheld 异议成立 | rejected 异议不成立")
    outcome_text: str | None
    referred_on: IsoDate
    due_on: IsoDate = Field(description="办理期限（工作日计算；异议：五个工作日）")
    overdue: bool
    note: str | None
    citizen: str | None = Field(description="申请人身份证号（脱敏，仅民警可见）")
    steps: list[StepView]
    legal_basis: list[str]


class ReferralAnswer(ApplicationAnswer):
    state: Literal["pending"]  # type: ignore[assignment]
    referral: ReferralView


class ReferralList(Answer):
    referrals: list[ReferralView]


def _ctx_terms(ctx: Context) -> ReferralTerms:
    return referrals.referral_terms(ctx.settings, ctx.calendar)


@router.post(
    "",
    status_code=201,
    response_model=ReferralAnswer,
    responses=error_responses(409),
    summary="转办：岗亭无法当场办结的事项连同已采集材料转承办单位（限期办理，短信告知进展）",
)
def refer(body: Refer, call: BoothCallDep) -> JSONResponse:
    ctx = call.ctx
    materials = Materials(body.evidence_refs, body.documents, body.data)
    return call.write(
        "/referrals",
        body,
        lambda uow, citizen: referrals.refer_application(
            uow,
            call.actor,
            citizen,
            service_item=body.service_item,
            unit_code=body.unit_code,
            reason=body.reason,
            materials=materials,
            terms=_ctx_terms(ctx),
            notifier=ctx.notifier,
        ),
        # a refusal is filed under the matter, or as a referral when the matter is unknown
        service_item=(
            body.service_item if body.service_item in referrals.REFERABLE else "refer_application"
        ),
        status_code=201,
    )


@router.get("/{referral_no}", response_model=ReferralView, summary="查询本人的转办事项或异议")
def get_referral(referral_no: str, call: BoothReadDep) -> dict[str, Any]:
    return call.read(lambda uow, citizen: referrals.citizen_referral(uow, citizen, referral_no))


@router.post(
    "/{referral_no}/supplements",
    response_model=ReferralView,
    responses=error_responses(409),
    summary="按承办单位要求补充材料（办理期限顺延等待的工作日）",
)
def supply(referral_no: str, body: Supply, call: BoothCallDep) -> JSONResponse:
    ctx = call.ctx
    materials = Materials(body.evidence_refs, body.documents)
    return call.write(
        f"/referrals/{referral_no}/supplements",
        body,
        lambda uow, citizen: referrals.supply(
            uow,
            call.actor,
            citizen,
            referral_no,
            body.note,
            materials,
            _ctx_terms(ctx),
            ctx.notifier,
        ),
        service_item="supply_referral",
    )


@objection_router.post(
    "",
    status_code=201,
    response_model=ReferralAnswer,
    responses=error_responses(409),
    summary="对本人的交通技术监控违法记录提出异议（违法行为发生地五个工作日内审查；"
    "审查期间暂不处理）",
)
def file_objection(body: FileObjection, call: BoothCallDep) -> JSONResponse:
    ctx = call.ctx
    return call.write(
        "/objections",
        body,
        lambda uow, citizen: referrals.file_objection(
            uow,
            call.actor,
            citizen,
            violation_ref=body.violation_ref,
            statement=body.statement,
            evidence_refs=body.evidence_refs,
            terms=_ctx_terms(ctx),
            notifier=ctx.notifier,
        ),
        service_item=referrals.OBJECTION_ITEM,
        status_code=201,
    )


_STATES = enum_pattern(ReferralState)
_KINDS = enum_pattern(ReferralKind)


@staff_router.get(
    "",
    response_model=ReferralList,
    summary="本单位及下级单位承办的转办事项和异议（民警及以上；按期限先后）",
)
def list_referrals(
    ctx: ContextDep,
    actor: ActorDep,
    state: Annotated[str | None, Query(pattern=_STATES)] = None,
    kind: Annotated[str | None, Query(pattern=_KINDS)] = None,
    overdue: bool = False,
    limit: ListLimit = 100,
) -> dict[str, Any]:
    return run_read(
        ctx,
        lambda uow: {
            "referrals": referral_service.list_referrals(
                uow,
                actor,
                state=ReferralState(state) if state else None,
                kind=ReferralKind(kind) if kind else None,
                overdue=overdue,
                limit=limit,
            )
        },
    )


@staff_router.get(
    "/{referral_no}",
    response_model=ReferralView,
    summary="一件转办事项或异议及其办理过程（限本单位辖区）",
)
def get_staff_referral(referral_no: str, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    return run_read(ctx, lambda uow: referrals.staff_view(uow, actor, referral_no))


def _step(step: Step) -> SubjectWork:
    """The unit's step ``step`` on the referral (the body's note; a finish's outcome)."""

    def work(ctx: Context, actor: Actor, referral_no: str, body: Any) -> Work:
        outcome = Outcome(body.outcome) if getattr(body, "outcome", None) else None
        return lambda uow: referrals.staff_step(
            uow,
            actor,
            referral_no,
            step,
            body.note,
            referrals.referral_terms(ctx.settings, ctx.calendar),
            ctx.notifier,
            outcome,
        )

    return work


for _name, _body, _summary in (
    ("accept", StepNote, "受理转办事项或异议（限本单位辖区）"),
    ("request_more", RequiredNote, "要求申请人补充材料（须说明所需材料；短信告知）"),
    (
        "finish",
        Finish,
        "办结（异议须督察及以上写明结论：成立则消除违法记录，不成立则恢复处理）",
    ),
    ("decline", RequiredNote, "不予受理（须说明理由；短信告知）"),
):
    subject_act(
        staff_router,
        "referral_no",
        _name.replace("_", "-"),
        _body,
        _step(Step(_name)),
        name=_name,
        action=f"referral_{_name}",
        hashed_verb=_name,
        response_model=ReferralView,
        responses=error_responses(409),
        summary=_summary,
    )
