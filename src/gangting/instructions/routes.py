"""Instructions API (staff): issue (supervisor and above), list and read (an officer sees
only what went to them), acknowledge and report (the targets), cancel, issue from a
confirmed hit, and run the deadline sweep by hand (admin). Writes are idempotent by key."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.contracts import Request
from gangting.instructions import from_hits, service, sweep, views
from gangting.instructions.rules import (
    ACKNOWLEDGE_MAX_S,
    ACKNOWLEDGE_MIN_S,
    INSTRUCTION_KINDS,
    INSTRUCTION_STATES,
    REPORT_MAX_S,
    REPORT_MIN_S,
    ResultKind,
    Subject,
)
from gangting.instructions.schemas import InstructionDetail, InstructionList, SweepOut
from gangting.instructions.targeting import MAX_NAMED_OFFICERS, Targets
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.service import require_role
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.staff_writes import post_write
from gangting.web.writes import run_read

router = APIRouter(prefix="/api/v1/staff/instructions", tags=["指令 instructions"])

_IssuableKind = Annotated[str, Field(pattern="^(intercept|attend_help_call|check_booth|general)$")]


class TargetsIn(Request):
    squadron: str | None = Field(default=None, max_length=32, description="中队代码，如 KDL-1")
    booth: str | None = Field(
        default=None, max_length=32, description="岗亭编号：该岗亭所属中队的民警"
    )
    officers: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=MAX_NAMED_OFFICERS, description="指定民警用户名"
    )

    def to_targets(self) -> Targets:
        return Targets(self.squadron, self.booth, tuple(self.officers))


class Windows(Request):
    acknowledge_within_s: int | None = Field(
        default=None, ge=ACKNOWLEDGE_MIN_S, le=ACKNOWLEDGE_MAX_S, description="签收时限（秒）"
    )
    report_within_s: int | None = Field(
        default=None, ge=REPORT_MIN_S, le=REPORT_MAX_S, description="反馈时限（秒）"
    )


class IssueIn(Windows):
    kind: _IssuableKind = Field(description="intercept | attend_help_call | check_booth | general")
    text: str = Field(max_length=500, description="指令内容（2至500字）")
    targets: TargetsIn = Field(default_factory=TargetsIn, description="接收对象（三选一）")
    plate: str | None = Field(default=None, max_length=12, description="号牌号码，如 蒙B·12345")
    booth: str | None = Field(default=None, max_length=32, description="涉及的岗亭编号")
    hit_id: uuid.UUID | None = Field(default=None, description="已确认的比中记录")
    alert_id: uuid.UUID | None = Field(default=None, description="相关告警")
    help_call_id: uuid.UUID | None = Field(default=None, description="相关求助记录")
    location: str | None = Field(
        default=None, max_length=200, description="位置与去向，如 沿钢铁大街向北"
    )


class FromHitIn(Windows):
    text: str | None = Field(
        default=None, max_length=500, description="指令内容（不填则按比中生成）"
    )
    location: str | None = Field(default=None, max_length=200, description="位置与去向")
    targets: TargetsIn | None = Field(default=None, description="接收对象（不填为比中岗亭的民警）")


class AcknowledgeIn(Request):
    note: str | None = Field(default=None, max_length=200, description="签收备注")


class ReportIn(Request):
    result: ResultKind = Field(
        description="intercepted | not_found | handled | normal | done | unable"
    )
    text: str | None = Field(default=None, max_length=500, description="反馈内容")
    evidence_note: str | None = Field(
        default=None, max_length=500, description="证据说明（如执法记录仪编号）"
    )


class CancelIn(Request):
    reason: str = Field(max_length=200, description="撤销原因")


def _answer(
    uow: UnitOfWork,
    actor: Actor,
    loaded: tuple[Any, Any, Any],
) -> dict[str, Any]:
    instruction, unit, targets = loaded
    return views.detail(uow, actor, instruction, unit, targets)


@router.post(
    "", status_code=201, response_model=InstructionDetail, summary="下发指令（督察及以上）"
)
def issue(
    body: IssueIn, ctx: ContextDep, actor: ActorDep, key: IdempotencyKey = None
) -> JSONResponse:
    policy = service.policy_from_settings(ctx.settings)
    request = service.IssueRequest(
        kind=body.kind,
        text=body.text,
        targets=body.targets.to_targets(),
        subject=Subject(
            plate_no=body.plate,
            booth_code=body.booth,
            hit_id=str(body.hit_id) if body.hit_id else None,
            alert_id=str(body.alert_id) if body.alert_id else None,
            help_call_id=str(body.help_call_id) if body.help_call_id else None,
            location=body.location,
        ),
        acknowledge_within_s=body.acknowledge_within_s,
        report_within_s=body.report_within_s,
    )

    def work(uow: UnitOfWork) -> dict[str, Any]:
        instruction = service.issue_instruction(uow, actor, request, policy)
        return views.get_instruction(uow, actor, instruction.id)

    return post_write(
        ctx, actor, key, "/staff/instructions", body, work, action="issue_instruction", status=201
    )


@router.post(
    "/from-hit/{hit_id}",
    status_code=201,
    response_model=InstructionDetail,
    summary="按已确认的比中下发拦截指令",
)
def issue_from_hit(
    hit_id: uuid.UUID,
    body: FromHitIn,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    policy = service.policy_from_settings(ctx.settings)

    def work(uow: UnitOfWork) -> dict[str, Any]:
        instruction = from_hits.issue_from_hit(
            uow,
            actor,
            hit_id,
            policy,
            text=body.text,
            location=body.location,
            targets=body.targets.to_targets() if body.targets else None,
            acknowledge_within_s=body.acknowledge_within_s,
            report_within_s=body.report_within_s,
        )
        return views.get_instruction(uow, actor, instruction.id)

    path = f"/staff/instructions/from-hit/{hit_id}"
    return post_write(ctx, actor, key, path, body, work, action="issue_instruction", status=201)


@router.get("", response_model=InstructionList, summary="指令列表（民警只看到下发给本人的指令）")
def list_instructions(
    ctx: ContextDep,
    actor: ActorDep,
    state: Annotated[
        str | None, Query(pattern="^(active|" + "|".join(INSTRUCTION_STATES) + ")$")
    ] = None,
    kind: Annotated[str | None, Query(pattern="^(" + "|".join(INSTRUCTION_KINDS) + ")$")] = None,
    booth: Annotated[str | None, Query(max_length=32)] = None,
    plate: Annotated[str | None, Query(max_length=12)] = None,
    mine: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    result: dict[str, Any] = run_read(
        ctx,
        lambda uow: views.list_instructions(
            uow,
            actor,
            state=state,
            kind=kind,
            booth_code=booth,
            plate=plate,
            mine=mine,
            limit=limit,
        ),
    )
    return result


@router.post(
    "/sweep", response_model=SweepOut, summary="检查超时并升级督办（管理员；通常由定时任务执行）"
)
def run_sweep(ctx: ContextDep, actor: ActorDep, key: IdempotencyKey = None) -> JSONResponse:
    policy = service.policy_from_settings(ctx.settings)

    def work(uow: UnitOfWork) -> dict[str, object]:
        require_role(actor, "admin")
        return sweep.sweep_deadlines(uow, policy).to_dict()

    return post_write(
        ctx, actor, key, "/staff/instructions/sweep", None, work, action="sweep_instructions"
    )


@router.get(
    "/{instruction_id}",
    response_model=InstructionDetail,
    summary="指令详情（含接收民警、升级督办与全部记录）",
)
def get_instruction(instruction_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    result: dict[str, Any] = run_read(
        ctx, lambda uow: views.get_instruction(uow, actor, instruction_id)
    )
    return result


@router.post(
    "/{instruction_id}/acknowledge",
    response_model=InstructionDetail,
    summary="签收指令（接收民警）",
)
def acknowledge(
    instruction_id: uuid.UUID,
    body: AcknowledgeIn,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return post_write(
        ctx,
        actor,
        key,
        f"/staff/instructions/{instruction_id}/acknowledge",
        body,
        lambda uow: _answer(uow, actor, service.acknowledge(uow, actor, instruction_id, body.note)),
        action="acknowledge_instruction",
    )


@router.post(
    "/{instruction_id}/report",
    response_model=InstructionDetail,
    summary="反馈指令执行结果（接收民警）",
)
def report(
    instruction_id: uuid.UUID,
    body: ReportIn,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    content = service.Report(body.result, body.text, body.evidence_note)
    return post_write(
        ctx,
        actor,
        key,
        f"/staff/instructions/{instruction_id}/report",
        body,
        lambda uow: _answer(uow, actor, service.report(uow, actor, instruction_id, content)),
        action="report_instruction",
    )


@router.post(
    "/{instruction_id}/cancel", response_model=InstructionDetail, summary="撤销指令（督察及以上）"
)
def cancel(
    instruction_id: uuid.UUID,
    body: CancelIn,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return post_write(
        ctx,
        actor,
        key,
        f"/staff/instructions/{instruction_id}/cancel",
        body,
        lambda uow: _answer(uow, actor, service.cancel(uow, actor, instruction_id, body.reason)),
        action="cancel_instruction",
    )
