"""Deferral or instalments of a fine at the desks (行政处罚法 第66条第2款): the citizen applies
at a booth (filed as an application, the deferral pending); a supervisor asks to grant it and
a second supervisor approves (desks.two_keys, kind ``fine_deferral``), or one supervisor
refuses it. Jurisdiction is the unit of the booth where the decision was made, as for
late-fee pauses (a decision made elsewhere: the admins' only)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from gangting.applications.service import answer, record_application
from gangting.approvals.models import Approval
from gangting.approvals.rules import ApprovalKind, ApprovalState
from gangting.booths.models import Booth
from gangting.citizens.models import Citizen
from gangting.config import Settings
from gangting.desks.late_fee_pauses import booth_unit_path
from gangting.fines import deferrals
from gangting.fines.deferral_rules import DeferralPolicy, DeferralState
from gangting.fines.errors import DeferralNotFound
from gangting.fines.models import FineDeferral, PenaltyDecision
from gangting.fines.rules import FinePolicy
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import OrgUnit
from gangting.staff.scope import require_scope, scope_filter
from gangting.staff.service import require_role


def deferral_policy(settings: Settings) -> DeferralPolicy:
    """The [U] bounds of deferrals and instalments as configured."""
    return DeferralPolicy(
        max_deferral_days=settings.fine_deferral_max_days,
        max_instalments=settings.fine_instalments_max_count,
        instalment_interval_days=settings.fine_instalment_interval_days,
        missed_instalment_makes_rest_due=settings.fine_instalment_missed_makes_rest_due,
    )


def apply(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    decision_no: str,
    terms: deferrals.DeferralTerms,
    policy: DeferralPolicy,
) -> dict[str, Any]:
    """The citizen's application at the booth, filed as an application (办件) whose reasons
    tell them what happens next."""
    deferral = deferrals.apply_for_deferral(uow, actor, citizen, decision_no, terms, policy)
    view = deferrals.deferral_view(uow, deferral, uow.clock.today(), policy, FinePolicy())
    application = record_application(
        uow,
        actor,
        service_item="apply_fine_deferral",
        citizen_id=citizen.id,
        state="completed",
        reasons=deferrals.deferral_reasons(deferral, policy),
        result={"deferral": view},
    )
    return answer(application)


def citizen_deferral(
    uow: UnitOfWork, citizen: Citizen, deferral_no: str, policy: DeferralPolicy
) -> dict[str, Any]:
    """The citizen's own application with its instalments as of today."""
    deferral = deferrals.find_deferral(uow, deferral_no)
    if deferral.citizen_id != citizen.id:
        raise DeferralNotFound("未查询到该暂缓或分期缴纳申请", data={"deferral_no": deferral_no})
    return deferrals.deferral_view(uow, deferral, uow.clock.today(), policy, FinePolicy())


def deferral_path(uow: UnitOfWork, actor: Actor, deferral_no: str) -> str | None:
    """The unit path of the application's decision; refused outside the caller's scope."""
    require_role(actor, "supervisor")
    deferral = deferrals.find_deferral(uow, deferral_no)
    path = booth_unit_path(uow, deferrals.decision_of(uow, deferral).booth_id)
    require_scope(actor, path)
    return path


def grant(
    uow: UnitOfWork, maker: Actor, payload: dict[str, Any], settings: Settings
) -> dict[str, Any]:
    """The two-keys executor: grant the application in the maker's name."""
    deferral_path(uow, maker, payload["deferral_no"])
    return deferrals.grant_deferral(
        uow,
        maker,
        payload["deferral_no"],
        payload.get("note"),
        deferral_policy(settings),
        FinePolicy(),
        approval_id=_deciding_approval(uow, payload["deferral_no"]),
    )


def _deciding_approval(uow: UnitOfWork, deferral_no: str) -> uuid.UUID | None:
    """The pending approval being executed now (none while the maker's request is checked)."""
    return uow.session.execute(
        select(Approval.id)
        .where(
            Approval.kind == ApprovalKind.FINE_DEFERRAL,
            Approval.subject_id == deferral_no,
            Approval.state == ApprovalState.PENDING,
        )
        .order_by(Approval.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def refuse(
    uow: UnitOfWork, actor: Actor, deferral_no: str, note: str, settings: Settings
) -> dict[str, Any]:
    """One supervisor with jurisdiction refuses a pending application, saying why."""
    deferral_path(uow, actor, deferral_no)
    return deferrals.refuse_deferral(
        uow, actor, deferral_no, note, deferral_policy(settings), FinePolicy()
    )


def list_deferrals(
    uow: UnitOfWork, actor: Actor, state: DeferralState | None, settings: Settings, limit: int
) -> list[dict[str, Any]]:
    """The applications within the caller's jurisdiction, newest first."""
    require_role(actor, "supervisor")
    query = (
        select(FineDeferral)
        .join(PenaltyDecision, PenaltyDecision.id == FineDeferral.decision_id)
        .outerjoin(Booth, Booth.id == PenaltyDecision.booth_id)
        .outerjoin(OrgUnit, OrgUnit.id == Booth.org_unit_id)
        .where(scope_filter(actor, OrgUnit.path))
        .order_by(FineDeferral.applied_at.desc())
        .limit(limit)
    )
    if state is not None:
        query = query.where(FineDeferral.state == state)
    policy = deferral_policy(settings)
    today = uow.clock.today()
    return [
        deferrals.deferral_view(uow, d, today, policy, FinePolicy())
        for d in uow.session.execute(query).scalars()
    ]
