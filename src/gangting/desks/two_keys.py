"""The one server-side choke point of the two keys (maker–checker, issue 11 §2): a risky act
is not done when its maker asks; it becomes a pending approval, and only another supervisor
with jurisdiction over the record performs it, by approving it.

Each act registers an ``Act``: ``check`` (the maker's right to ask for it and the record it
touches, with that record's unit path) and ``execute`` (the use case itself, run in the
maker's name as the maker now stands). The request's checks run when asking and again when
executing: ``check`` both times, and, when asking, the use case itself inside a savepoint
that is always rolled back (``dry_run``), so a request that would be refused is refused at
once with the use case's own error, and nothing of it is kept. ``approve`` checks the
checker (``approvals.service.begin_decision``), runs the act, stores its result on the
approval and answers it, all in the checker's unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from gangting.approvals import service as approvals
from gangting.approvals.rules import ApprovalKind
from gangting.booths import commands
from gangting.booths.errors import BoothUnknown
from gangting.booths.rules import CommandKind
from gangting.booths.service import booth_in_scope
from gangting.config import Settings
from gangting.desks import fine_deferrals, late_fee_pauses, supervision
from gangting.fines import service as fines
from gangting.fines.rules import FinePolicy
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff import roles
from gangting.staff.scope import require_scope
from gangting.staff.service import (
    account_in_scope,
    change_role,
    require_role,
    reset_second_factor,
    second_factor_account,
    staff_in_scope,
)
from gangting.vehicles.rules import parse_plate
from gangting.watchlists import service as watch_list
from gangting.watchlists.errors import OwnerUnknown


@dataclass(frozen=True)
class Subject:
    """The record an act touches, and the path of its unit (None: the admins' only)."""

    kind: str
    id: str
    path: str | None


Payload = dict[str, Any]
Check = Callable[[UnitOfWork, Actor, Payload, Settings], Subject]
Execute = Callable[[UnitOfWork, Actor, Payload, Settings], dict[str, Any]]
CheckChecker = Callable[[UnitOfWork, Actor, Payload], None]


@dataclass(frozen=True)
class Act:
    kind: ApprovalKind
    check: Check
    execute: Execute
    dry_run: bool = True  # False only for an act whose use case has effects after commit
    # The act's own rule on the checker, beyond the two keys' (e.g. never the account itself)
    check_checker: CheckChecker | None = None


_ACTS: dict[ApprovalKind, Act] = {}


def register(act: Act) -> Act:
    _ACTS[act.kind] = act
    return act


def act_of(kind: ApprovalKind) -> Act:
    return _ACTS[kind]


def _dry_run(uow: UnitOfWork, act: Act, maker: Actor, payload: Payload, s: Settings) -> None:
    savepoint = uow.session.begin_nested()
    try:
        act.execute(uow, maker, payload, s)
    finally:
        savepoint.rollback()


def request(
    uow: UnitOfWork, maker: Actor, kind: ApprovalKind, payload: Payload, settings: Settings
) -> dict[str, Any]:
    """The maker asks for the act: checked as if it were done now, kept pending (202)."""
    act = act_of(kind)
    if act.dry_run:
        _dry_run(uow, act, maker, payload, settings)
    subject = act.check(uow, maker, payload, settings)
    approval = approvals.request_approval(
        uow,
        maker,
        kind,
        subject_kind=subject.kind,
        subject_id=subject.id,
        subject_path=subject.path,
        payload=payload,
        expires_after_s=settings.approval_expires_after_s,
    )
    return approvals.approval_view(approval, uow.clock.now())


def approve(
    uow: UnitOfWork,
    checker: Actor,
    approval_id: uuid.UUID,
    note: str | None,
    settings: Settings,
) -> dict[str, Any]:
    """The checker approves: checked, then the stored request is executed once, in the
    maker's name, and its result stored on the approval (all in this unit of work)."""
    approval = approvals.begin_decision(uow, checker, approval_id)
    act = act_of(approval.kind)
    maker = approvals.maker_actor(uow, approval)
    subject = act.check(uow, maker, approval.payload, settings)
    # The record may have moved since the request: both keys need jurisdiction over it now.
    require_scope(checker, subject.path)
    if act.check_checker is not None:
        act.check_checker(uow, checker, approval.payload)
    result = act.execute(uow, maker, approval.payload, settings)
    approvals.record_executed(uow, checker, approval, result, note)
    return approvals.approval_view(approval, uow.clock.now())


def reject(uow: UnitOfWork, checker: Actor, approval_id: uuid.UUID, note: str) -> dict[str, Any]:
    """The checker refuses, with a note; nothing is executed."""
    approval = approvals.reject(uow, checker, approval_id, note)
    return approvals.approval_view(approval, uow.clock.now())


# --- the acts ------------------------------------------------------------------------------


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text is not None else None


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


def _late_fee_pause_subject(uow: UnitOfWork, maker: Actor, p: Payload, _s: Settings) -> Subject:
    require_role(maker, "supervisor")
    decision = fines.find_decision(uow, p["decision_no"])
    path = late_fee_pauses.booth_unit_path(uow, decision.booth_id)
    require_scope(maker, path)
    return Subject("penalty_decision", decision.decision_no, path)


def _pause_late_fee(uow: UnitOfWork, maker: Actor, p: Payload, s: Settings) -> dict[str, Any]:
    start = _date(p["start"])
    assert start is not None
    return late_fee_pauses.pause_late_fee(
        uow,
        maker,
        p["decision_no"],
        p["kind"],
        start,
        _date(p["end"]),
        p["case_no"],
        FinePolicy(),
        max_days=s.late_fee_pause_max_days,
    )


def _watch_list_subject(uow: UnitOfWork, maker: Actor, p: Payload, _s: Settings) -> Subject:
    require_role(maker, "supervisor")
    _account, path = staff_in_scope(uow, maker, (p["owner"] or "").strip(), OwnerUnknown)
    return Subject("vehicle_plate", parse_plate(p["plate"]).value, path)


def _add_watch_list_entry(uow: UnitOfWork, maker: Actor, p: Payload, s: Settings) -> dict[str, Any]:
    return watch_list.add_manual_entry(
        uow,
        maker,
        plate_text=p["plate"],
        reason=p["reason"],
        owner=p["owner"],
        expires_at=_instant(p["expires_at"]),
        policy=watch_list.policy_from_settings(s),
    )


def _kiosk_lock_subject(uow: UnitOfWork, maker: Actor, p: Payload, _s: Settings) -> Subject:
    require_role(maker, "supervisor")
    booth, unit = booth_in_scope(uow, maker, p["booth"], BoothUnknown)
    return Subject("booth", booth.code, unit.path)


def _lock_kiosk(uow: UnitOfWork, maker: Actor, p: Payload, _s: Settings) -> dict[str, Any]:
    return commands.issue_command(
        uow,
        maker,
        p["booth"],
        CommandKind.LOCK_KIOSK.value,
        p["params"],
        p["expires_in_s"],
        p["reason"],
    )


register(Act(ApprovalKind.LATE_FEE_PAUSE, _late_fee_pause_subject, _pause_late_fee))
register(Act(ApprovalKind.WATCH_LIST_ENTRY, _watch_list_subject, _add_watch_list_entry))
register(Act(ApprovalKind.KIOSK_LOCK, _kiosk_lock_subject, _lock_kiosk))


def _reveal_subject(uow: UnitOfWork, maker: Actor, p: Payload, _s: Settings) -> Subject:
    # The citizen has no unit: the request is the revealer's unit's (its checker has
    # jurisdiction over the maker's unit; docs/decisions/0012).
    citizen_id = supervision.check_reveal(uow, maker, p)
    return Subject("citizen", str(citizen_id), maker.org_path)


def _approve_reveal(uow: UnitOfWork, maker: Actor, p: Payload, _s: Settings) -> dict[str, Any]:
    return supervision.approve_reveal(uow, maker, p)


def _role_change_subject(uow: UnitOfWork, maker: Actor, p: Payload, _s: Settings) -> Subject:
    require_role(maker, "supervisor")
    role = roles.parse_role(p["role"])
    roles.change_reason(p["reason"])
    account, path = account_in_scope(uow, maker, uuid.UUID(p["account"]))
    roles.check_change(maker.role, maker.id, account.id, account.role, role)
    return Subject("staff", str(account.id), path)


def _role_change_checker(uow: UnitOfWork, checker: Actor, p: Payload) -> None:
    account, _path = account_in_scope(uow, checker, uuid.UUID(p["account"]))
    roles.check_key(checker.role, checker.id, account.id, account.role, roles.parse_role(p["role"]))


def _change_role(uow: UnitOfWork, maker: Actor, p: Payload, _s: Settings) -> dict[str, Any]:
    return change_role(uow, maker, uuid.UUID(p["account"]), p["role"], p["reason"])


register(Act(ApprovalKind.CITIZEN_REVEAL, _reveal_subject, _approve_reveal))
register(
    Act(
        ApprovalKind.STAFF_ROLE_CHANGE,
        _role_change_subject,
        _change_role,
        check_checker=_role_change_checker,
    )
)


def _totp_reset_subject(uow: UnitOfWork, maker: Actor, p: Payload, _s: Settings) -> Subject:
    roles.change_reason(p["reason"], "重置动态验证码")
    account, path = second_factor_account(uow, maker, uuid.UUID(p["account"]))
    return Subject("staff", str(account.id), path)


def _totp_reset_checker(uow: UnitOfWork, checker: Actor, p: Payload) -> None:
    second_factor_account(uow, checker, uuid.UUID(p["account"]))


def _reset_totp(uow: UnitOfWork, maker: Actor, p: Payload, _s: Settings) -> dict[str, Any]:
    return reset_second_factor(uow, maker, uuid.UUID(p["account"]), p["reason"])


register(
    Act(
        ApprovalKind.STAFF_TOTP_RESET,
        _totp_reset_subject,
        _reset_totp,
        check_checker=_totp_reset_checker,
    )
)


def _fine_deferral_subject(uow: UnitOfWork, maker: Actor, p: Payload, _s: Settings) -> Subject:
    # The citizen applied at a booth; the maker is the first supervisor, who asks to grant it
    # (docs/decisions/0025). The record is the application, its unit the decision's.
    path = fine_deferrals.deferral_path(uow, maker, p["deferral_no"])
    return Subject("fine_deferral", p["deferral_no"], path)


register(Act(ApprovalKind.FINE_DEFERRAL, _fine_deferral_subject, fine_deferrals.grant))
