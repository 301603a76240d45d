"""The ledger's state and the audit search for the supervision screen (issue 11 §4),
supervisors and up: the last signed checkpoint and the last verification run
(``audit.verifications``), and the audit entries of the caller's unit by action, actor and
time (``desks.audit_search``). Parse, call, render."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, Field

from gangting.audit.verifications import ledger_state
from gangting.desks.audit_search import search_audit_entries
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.service import require_role
from gangting.web.deps import ActorDep, ContextDep
from gangting.web.openapi import Answer, Id, IsoDateTime, error_responses
from gangting.web.writes import run_read

router = APIRouter(
    prefix="/api/v1/staff",
    tags=["督察 supervision"],
    responses=error_responses(401, 403, 422),
)


class LedgerCheckpointView(Answer):
    tree_size: int = Field(description="检查点覆盖的条目数")
    root: str = Field(description="默克尔根（十六进制）")
    root_prefix: str = Field(description="默克尔根前16位")
    signed_at: IsoDateTime = Field(description="签名时间")
    key_id: str = Field(description="签名密钥标识")
    behind: int = Field(description="检查点之后新增的条目数")


class VerificationProblem(Answer):
    kind: str = Field(description="问题类型，如 edited_entry、row_changed")
    seq: int | None = Field(description="链上序号")
    entry_id: str | None
    message: str = Field(description="中文说明")


class LedgerVerificationView(Answer):
    id: Id
    started_at: IsoDateTime = Field(description="校验时间")
    seconds: float = Field(description="用时（秒）")
    by: str = Field(description="cli 命令行 | worker 每日任务")
    ok: bool = Field(description="账本完整")
    entries: int = Field(description="校验的条目数")
    head_hash: str = Field(description="链头哈希")
    checkpoints: int = Field(description="对照的签名检查点数")
    bound_rows: int = Field(description="已登记的业务数据行")
    unbound_rows: dict[str, int] = Field(description="未登记的业务数据行，按表")
    first_problem: VerificationProblem | None = Field(description="第一处问题")
    problems: int = Field(description="发现的问题数")


class LedgerState(Answer):
    size: int = Field(description="账本当前条目数")
    last_checkpoint: LedgerCheckpointView | None
    last_verification: LedgerVerificationView | None
    recent_verifications: list[LedgerVerificationView] = Field(
        description="最近的校验记录（最多10次，最新在前）"
    )


class AuditSearchEntry(Answer):
    id: Id
    at: IsoDateTime
    actor_kind: str = Field(description="booth | staff | system")
    actor_id: str
    actor: str = Field(description="操作者（工作人员账号、岗亭编号或系统）")
    booth_code: str | None
    action: str
    subject_kind: str
    subject_id: str
    reason: str | None
    data: dict[str, Any]


class AuditSearch(Answer):
    entries: list[AuditSearchEntry]


def _ledger(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    require_role(actor, "supervisor")
    return ledger_state(uow.session)


@router.get(
    "/ledger",
    response_model=LedgerState,
    summary="审计账本状态：最近的签名检查点与最近一次校验（督察及以上）",
)
def ledger(ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    return run_read(ctx, lambda uow: _ledger(uow, actor))


@router.get(
    "/audit/search",
    response_model=AuditSearch,
    summary="按操作、操作者与时间检索本单位辖区的审计记录（督察及以上）",
)
def audit_search(
    ctx: ContextDep,
    actor: ActorDep,
    action: Annotated[str | None, Query(max_length=48, description="操作前缀")] = None,
    who: Annotated[
        str | None, Query(max_length=64, description="操作者：工作人员账号或岗亭编号")
    ] = None,
    since: Annotated[AwareDatetime | None, Query(description="起始时间（含，带时区）")] = None,
    until: Annotated[AwareDatetime | None, Query(description="结束时间（不含，带时区）")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    return run_read(
        ctx,
        lambda uow: search_audit_entries(
            uow, actor, action=action, who=who, since=since, until=until, limit=limit
        ),
    )
