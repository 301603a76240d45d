"""Late-fee pauses (行政复议/诉讼期间不计加处罚款) as a supervisor registers them: the decision's
jurisdiction is the unit of the booth where it was made (a booth sits above the fines domain,
hence a desk); the dates and the case number are the fines domain's rules."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from gangting.booths.models import Booth
from gangting.fines import service as fines
from gangting.fines.rules import FinePolicy
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import OrgUnit
from gangting.staff.scope import require_scope
from gangting.staff.service import require_role


def booth_unit_path(uow: UnitOfWork, booth_id: uuid.UUID | None) -> str | None:
    """The unit path of the booth (None: no booth, or a booth without a unit)."""
    if booth_id is None:
        return None
    return uow.session.execute(
        select(OrgUnit.path)
        .join(Booth, Booth.org_unit_id == OrgUnit.id)
        .where(Booth.id == booth_id)
    ).scalar_one_or_none()


def pause_late_fee(
    uow: UnitOfWork,
    actor: Actor,
    decision_no: str,
    kind: str,
    start: date,
    end: date | None,
    case_no: str,
    policy: FinePolicy,
    *,
    max_days: int,
) -> dict[str, Any]:
    """Register (or close) a review or litigation period of a decision: supervisors and up,
    within their jurisdiction (the unit of the booth where the decision was made; a decision
    made elsewhere than at a booth is the admins' only). Then ``fines.pause_late_fee``."""
    require_role(actor, "supervisor")
    decision = fines.find_decision(uow, decision_no, lock=True)
    require_scope(actor, booth_unit_path(uow, decision.booth_id))
    return fines.pause_late_fee(
        uow, actor, decision, kind, start, end, case_no, policy, max_days=max_days
    )
