"""Approvals as the two keys use them: a maker's request (pending, with its expiry), the
checker's decision (approved and executed by ``desks.two_keys``, or rejected with a note),
expiry, and the scoped reads. Every step is an audit entry in the same unit of work.

The maker and the checker are staff; both need jurisdiction over the record's unit
(``staff.scope``): the maker when asking, the checker (supervisor and above) when deciding.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from gangting.approvals.errors import (
    AlreadyCollected,
    ApprovalUnknown,
    MakerGone,
    NotExecuted,
    NotMaker,
)
from gangting.approvals.models import Approval
from gangting.approvals.rules import (
    KIND_ZH,
    STATE_ZH,
    ApprovalKind,
    ApprovalState,
    check_decidable,
    check_not_expired,
    effective_state,
    is_expired,
    note_text,
)
from gangting.audit import service as audit
from gangting.kernel.actor import SYSTEM, Actor
from gangting.kernel.errors import DomainError
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.staff.scope import require_scope, scope_filter
from gangting.staff.service import require_role

SUBJECT = "approval"


def request_approval(
    uow: UnitOfWork,
    maker: Actor,
    kind: ApprovalKind,
    *,
    subject_kind: str,
    subject_id: str,
    subject_path: str | None,
    payload: dict[str, Any],
    expires_after_s: int,
) -> Approval:
    """A pending request of ``maker`` (staff, with jurisdiction over ``subject_path``)."""
    require_role(maker, "officer")
    require_scope(maker, subject_path)
    assert maker.id is not None
    now = uow.clock.now()
    approval = Approval(
        kind=kind,
        subject_kind=subject_kind,
        subject_id=subject_id,
        subject_path=subject_path,
        payload=payload,
        maker=maker.name,
        maker_id=maker.id,
        state=ApprovalState.PENDING,
        created_at=now,
        expires_at=now + timedelta(seconds=expires_after_s),
    )
    uow.session.add(approval)
    uow.session.flush()
    audit.record(
        uow,
        maker,
        "approval.requested",
        SUBJECT,
        approval.id,
        data={
            "kind": kind.value,
            "subject_kind": subject_kind,
            "subject_id": subject_id,
            "request": payload,
            "expires_at": approval.expires_at.isoformat(),
        },
    )
    return approval


def _find(uow: UnitOfWork, approval_id: uuid.UUID, *, lock: bool = False) -> Approval:
    query = select(Approval).where(Approval.id == approval_id)
    approval = uow.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if approval is None:
        raise ApprovalUnknown("没有该审批申请", data={"id": str(approval_id)})
    return approval


def get_approval(uow: UnitOfWork, actor: Actor, approval_id: uuid.UUID) -> Approval:
    """One approval within the viewer's scope (officer and above)."""
    require_role(actor, "officer")
    approval = _find(uow, approval_id)
    require_scope(actor, approval.subject_path)
    return approval


def list_approvals(
    uow: UnitOfWork, actor: Actor, *, state: ApprovalState | None, limit: int
) -> list[Approval]:
    """Approvals of records within the viewer's scope, newest first; ``state`` as a reader
    sees it (a pending request past its time is listed as expired, not as pending)."""
    require_role(actor, "officer")
    now = uow.clock.now()
    query = select(Approval)
    # A record of no unit (NULL path) is in no one's scope but an admin's.
    path = cast(InstrumentedAttribute[str], Approval.subject_path)
    query = query.where(scope_filter(actor, path))
    if state == ApprovalState.PENDING:
        query = query.where(Approval.state == state, Approval.expires_at > now)
    elif state == ApprovalState.EXPIRED:
        query = query.where(
            (Approval.state == state)
            | ((Approval.state == ApprovalState.PENDING) & (Approval.expires_at <= now))
        )
    elif state is not None:
        query = query.where(Approval.state == state)
    query = query.order_by(Approval.created_at.desc(), Approval.id.desc()).limit(limit)
    return list(uow.session.execute(query).scalars())


def begin_decision(uow: UnitOfWork, checker: Actor, approval_id: uuid.UUID) -> Approval:
    """The approval, locked, once ``checker`` may decide it: still pending, not its maker,
    supervisor and above, with jurisdiction over the record, not expired."""
    approval = _find(uow, approval_id, lock=True)
    require_scope(checker, approval.subject_path)
    check_decidable(approval.state, approval.maker_id, checker.id)
    require_role(checker, "supervisor")
    check_not_expired(approval.state, approval.expires_at, uow.clock.now())
    return approval


def maker_actor(uow: UnitOfWork, approval: Approval) -> Actor:
    """The maker as they stand now (their current role and unit): the act is executed in
    their name, so a maker who left or lost the role or the jurisdiction stops it."""
    row = uow.session.execute(
        select(StaffAccount, OrgUnit.path)
        .outerjoin(OrgUnit, OrgUnit.id == StaffAccount.org_unit_id)
        .where(StaffAccount.id == approval.maker_id)
    ).first()
    if row is None or not row[0].active:
        raise MakerGone("申请人账号已停用，该申请不能执行", data={"maker": approval.maker})
    account, path = row
    return Actor("staff", account.id, account.username, role=account.role, org_path=path)


def _decide(
    uow: UnitOfWork,
    checker: Actor,
    approval: Approval,
    state: ApprovalState,
    note: str | None,
) -> None:
    approval.state = state
    approval.checker = checker.name
    approval.checker_id = checker.id
    approval.decided_at = uow.clock.now()
    approval.note = note


def record_executed(
    uow: UnitOfWork, checker: Actor, approval: Approval, result: dict[str, Any], note: str | None
) -> None:
    """The checker approved and the act ran (same unit of work): two audit entries."""
    text = note_text(note, required=False)
    _decide(uow, checker, approval, ApprovalState.APPROVED, text)
    audit.record(
        uow,
        checker,
        "approval.approved",
        SUBJECT,
        approval.id,
        reason=text,
        data={"kind": approval.kind.value, "maker": approval.maker},
    )
    approval.state = ApprovalState.EXECUTED
    approval.result = result
    uow.session.flush()
    audit.record(
        uow,
        checker,
        "approval.executed",
        SUBJECT,
        approval.id,
        data={
            "kind": approval.kind.value,
            "subject_kind": approval.subject_kind,
            "subject_id": approval.subject_id,
            "maker": approval.maker,
        },
    )


def reject(uow: UnitOfWork, checker: Actor, approval_id: uuid.UUID, note: str) -> Approval:
    """The checker refuses the request, saying why; nothing is executed."""
    text = note_text(note, required=True)
    approval = begin_decision(uow, checker, approval_id)
    _decide(uow, checker, approval, ApprovalState.REJECTED, text)
    uow.session.flush()
    audit.record(
        uow,
        checker,
        "approval.rejected",
        SUBJECT,
        approval.id,
        reason=text,
        data={"kind": approval.kind.value, "maker": approval.maker},
    )
    return approval


def _expire(uow: UnitOfWork, approval: Approval, noticed_by: str | None) -> None:
    approval.state = ApprovalState.EXPIRED
    approval.decided_at = uow.clock.now()
    data: dict[str, Any] = {
        "kind": approval.kind.value,
        "expires_at": approval.expires_at.isoformat(),
    }
    if noticed_by is not None:
        data["noticed_by"] = noticed_by
    audit.record(uow, SYSTEM, "approval.expired", SUBJECT, approval.id, data=data)


def expire_one(uow: UnitOfWork, approval_id: uuid.UUID, noticed_by: str | None = None) -> bool:
    """Record the expiry of one request if it is pending and past its time (a checker found
    it so: their refusal's own unit of work records it)."""
    approval = _find(uow, approval_id, lock=True)
    if not is_expired(approval.state, approval.expires_at, uow.clock.now()):
        return False
    _expire(uow, approval, noticed_by)
    uow.session.flush()
    return True


def expire_due(uow: UnitOfWork, limit: int = 500) -> int:
    """Record the expiry of pending requests past their time (a sweep; returns how many)."""
    now = uow.clock.now()
    due = uow.session.execute(
        select(Approval)
        .where(Approval.state == ApprovalState.PENDING, Approval.expires_at <= now)
        .order_by(Approval.expires_at, Approval.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).scalars()
    n = 0
    for approval in due:
        _expire(uow, approval, None)
        n += 1
    uow.session.flush()
    return n


def record_refused(
    uow: UnitOfWork, checker: Actor, approval_id: uuid.UUID, verb: str, error: DomainError
) -> None:
    """A refused decision (its own maker, no jurisdiction, no role, expired, decided): an
    entry on the approval's own trail, written in the refusal's unit of work (the refused
    decision's rolled back). An unknown id is recorded too: someone tried it."""
    approval = uow.session.get(Approval, approval_id)
    data: dict[str, Any] = {"verb": verb, "error": error.code}
    if approval is not None:
        data |= {"kind": approval.kind.value, "maker": approval.maker}
    audit.record(uow, checker, "approval.refused", SUBJECT, approval_id, data=data)


def collect_result(
    uow: UnitOfWork, maker: Actor, approval_id: uuid.UUID, kind: ApprovalKind
) -> Approval:
    """The executed approval of ``kind`` whose result its maker ``maker`` takes, once (a
    reveal: the data is shown to the maker and never stored). Refused for anyone but the
    maker (403), before execution or after the first collection (409). Marks it collected
    and audits ``approval.collected``; the caller shows what it serves."""
    approval = _find(uow, approval_id, lock=True)
    if approval.kind != kind:
        raise ApprovalUnknown("没有该审批申请", data={"id": str(approval_id)})
    if maker.id != approval.maker_id:
        raise NotMaker("只有申请人本人可以查看审批结果")
    if approval.state != ApprovalState.EXECUTED or approval.result is None:
        state = effective_state(approval.state, approval.expires_at, uow.clock.now())
        raise NotExecuted(
            f"该审批当前状态为“{STATE_ZH[state]}”，尚不能查看", data={"state": state.value}
        )
    if approval.result.get("collected_at") is not None:
        raise AlreadyCollected(
            "该审批结果已查看过一次，不能再次查看；如仍需查看请重新申请",
            data={"collected_at": approval.result["collected_at"]},
        )
    now = uow.clock.now()
    approval.result = {**approval.result, "collected_at": now.isoformat()}
    uow.session.flush()
    audit.record(uow, maker, "approval.collected", SUBJECT, approval.id, data={"kind": kind.value})
    return approval


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def approval_view(approval: Approval, now: datetime) -> dict[str, Any]:
    state = effective_state(approval.state, approval.expires_at, now)
    return {
        "id": str(approval.id),
        "kind": approval.kind.value,
        "kind_zh": KIND_ZH[approval.kind],
        "state": state.value,
        "state_zh": STATE_ZH[state],
        "subject_kind": approval.subject_kind,
        "subject_id": approval.subject_id,
        "subject_path": approval.subject_path,
        "request": approval.payload,
        "maker": approval.maker,
        "created_at": approval.created_at.isoformat(),
        "expires_at": approval.expires_at.isoformat(),
        "checker": approval.checker,
        "decided_at": _iso(approval.decided_at),
        "note": approval.note,
        "result": approval.result,
    }
