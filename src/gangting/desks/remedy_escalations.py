"""The bad-review remedies' deadline sweep (好差评 差评整改, docs/decisions/0022): run by the
worker in its own unit of work. Each remedy step past its due date (contact after the
contact deadline, closing after the remedy's due date; ``ratings.rules.overdue_steps``) is
escalated exactly once: the remedy is marked escalated to the parent of its unit, an alert
of kind missed_deadline is raised for the command centre at that parent unit, and the
escalation is a row keyed by (remedy, step), so a sweep that finds it again adds nothing."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from gangting.alerts import service as alerts
from gangting.audit import service as audit
from gangting.booths.models import Booth
from gangting.kernel.actor import SYSTEM
from gangting.kernel.clock import CITY_ZONE
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.ratings.models import RemedyEscalation
from gangting.ratings.remedies import overdue_remedies
from gangting.ratings.rules import STEP_ZH
from gangting.staff.models import OrgUnit


def escalate_overdue_remedies(uow: UnitOfWork) -> dict[str, Any]:
    """Escalate every overdue step not escalated yet; the count and the remedies escalated."""
    today = uow.clock.today()
    escalated: list[str] = []
    for remedy, rating, step, due_on in overdue_remedies(uow, today):
        unit = uow.session.get(OrgUnit, remedy.org_unit_id) if remedy.org_unit_id else None
        parent = (
            uow.session.get(OrgUnit, unit.parent_id)
            if unit is not None and unit.parent_id is not None
            else unit
        )
        booth = uow.session.get(Booth, rating.booth_id)
        # The end of the due day in the city: the moment the step became late.
        due_at = datetime.combine(due_on, time(23, 59, 59), tzinfo=CITY_ZONE)
        alert = None
        if parent is not None:
            where = f"{booth.name}（{booth.code}）" if booth is not None else "岗亭"
            alert = alerts.raise_missed_deadline(
                uow,
                subject_kind="bad_review_remedy",
                subject_id=str(remedy.id),
                step=step,
                due_at=due_at,
                org_unit_id=parent.id,
                title=(
                    f"差评整改逾期未{STEP_ZH[step]}：{where}，"
                    f"期限{due_on.isoformat()}，责任单位{unit.name if unit else '未分派'}"
                )[:200],
                booth_id=rating.booth_id,
                severity="medium",
            )
        now = uow.clock.now()
        uow.session.add(
            RemedyEscalation(
                remedy_id=remedy.id,
                step=step,
                due_on=due_on,
                escalated_at=now,
                to_unit_id=parent.id if parent is not None else None,
                alert_id=alert.id if alert is not None else None,
            )
        )
        remedy.escalated_to_unit_id = parent.id if parent is not None else None
        remedy.escalated_at = now
        uow.session.flush()
        audit.record(
            uow,
            SYSTEM,
            "bad_review_remedy.escalated",
            "bad_review_remedy",
            remedy.id,
            data={
                "step": step,
                "due_on": due_on.isoformat(),
                "to_unit": parent.code if parent is not None else None,
                "alert_id": str(alert.id) if alert is not None else None,
            },
        )
        escalated.append(f"{remedy.id}:{step}")
    return {"escalated": len(escalated), "steps": escalated}
