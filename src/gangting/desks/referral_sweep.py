"""The referrals' deadline sweep (转办, docs/decisions/0027): run by the worker in its own unit
of work. Each referral the unit still owes a move on (referred or accepted) past its due day
raises exactly one alert of kind missed_deadline for the command centre, at the responsible
unit (its parents see it too); the alert's id is kept on the referral, so a sweep that finds
it again adds nothing, even after the alert was closed."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from gangting.alerts import service as alerts
from gangting.audit import service as audit
from gangting.kernel.actor import SYSTEM
from gangting.kernel.clock import CITY_ZONE
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.referrals import service as referrals
from gangting.referrals.rules import KIND_ZH, ReferralKind


def alert_overdue_referrals(uow: UnitOfWork) -> dict[str, Any]:
    """One alert per overdue referral not alerted yet; the count and the referral numbers."""
    alerted: list[str] = []
    for referral in referrals.overdue_unalerted(uow, uow.clock.today()):
        unit = referrals.unit_of(uow, referral)
        due_at = datetime.combine(referral.due_on, time(23, 59, 59), tzinfo=CITY_ZONE)
        alert = alerts.raise_missed_deadline(
            uow,
            subject_kind="referral",
            subject_id=referral.referral_no,
            step="finish",
            due_at=due_at,
            org_unit_id=unit.id,
            title=(
                f"{KIND_ZH[referral.kind]}逾期未办结：{referral.referral_no}，"
                f"期限{referral.due_on.isoformat()}，承办单位{unit.name}"
            )[:200],
            booth_id=referral.booth_id,
            severity="high" if referral.kind == ReferralKind.OBJECTION else "medium",
        )
        referral.overdue_alert_id = alert.id
        uow.session.flush()
        audit.record(
            uow,
            SYSTEM,
            f"{referral.kind.value}.overdue",
            "referral",
            referral.referral_no,
            data={"due_on": referral.due_on.isoformat(), "alert_id": str(alert.id)},
        )
        alerted.append(referral.referral_no)
    return {"alerted": len(alerted), "referrals": alerted}
