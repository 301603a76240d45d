"""Alerts: raise them from each kind of source (idempotent by natural key), list them for
staff within their org scope, and move them open -> acknowledged -> closed with an owner.
Every change has its audit entry in the caller's unit of work.

Raising functions are called by other domains inside their own unit of work: watch-list
hits (``raise_hit_alert``), the booth telemetry consumer (``raise_booth_faults``), help calls
(``raise_help_call_alert``) and deadline sweeps (``raise_missed_deadline``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gangting.alerts.errors import AlertStateConflict, AlertUnknown, NoteRequired, OwnerUnknown
from gangting.alerts.models import Alert
from gangting.alerts.rules import (
    ALERT_KIND_ZH,
    ALERT_STATE_ZH,
    SEVERITY_ZH,
    AlertState,
    FaultPolicy,
    Severity,
    alert_may_be_assigned,
    alert_may_move,
    booth_faults,
    help_call_severity,
)
from gangting.audit import service as audit
from gangting.booths.models import Booth, BoothState, HelpCall
from gangting.kernel.actor import SYSTEM, Actor
from gangting.kernel.clock import iso_or_none
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.errors import RoleRequired
from gangting.staff.models import OrgUnit
from gangting.staff.scope import require_scope, scoped, sees
from gangting.staff.service import ROLE_RANK, require_role, staff_in_scope

# --- raising ----------------------------------------------------------------------------


def _open_alert(uow: UnitOfWork, key: str) -> Alert | None:
    return uow.session.execute(
        select(Alert).where(Alert.key == key, Alert.state != "closed")
    ).scalar_one_or_none()


def raise_alert(
    uow: UnitOfWork,
    *,
    key: str,
    kind: str,
    cause: str,
    severity: Severity,
    title: str,
    org_unit_id: uuid.UUID,
    subject_kind: str,
    subject_id: str,
    booth_id: uuid.UUID | None = None,
    data: Mapping[str, Any] | None = None,
) -> tuple[Alert, bool]:
    """The alert for ``key``: the one not yet closed, or a new open one. Returns (alert,
    created). Raising a key again while its alert is open or acknowledged changes nothing
    (a redelivered message, a sweep that runs every minute); once closed, a new alert."""
    existing = _open_alert(uow, key)
    if existing is not None:
        return existing, False
    now = uow.clock.now()
    alert = Alert(
        key=key,
        kind=kind,
        cause=cause,
        severity=severity,
        title=title,
        org_unit_id=org_unit_id,
        booth_id=booth_id,
        subject_kind=subject_kind,
        subject_id=subject_id,
        data=dict(data or {}),
        state="open",
        raised_at=now,
        last_raised_at=now,
        occurrences=1,
    )
    try:
        # A concurrent raise of the same key (another consumer) meets the unique index; the
        # savepoint keeps the caller's unit of work usable and the winner's alert is used.
        with uow.session.begin_nested():
            uow.session.add(alert)
            uow.session.flush()
    except IntegrityError:
        winner = _open_alert(uow, key)
        if winner is None:
            raise
        return winner, False
    audit.record(
        uow,
        SYSTEM,
        "alert.raised",
        "alert",
        alert.id,
        data={"key": key, "kind": kind, "cause": cause, "severity": severity},
    )
    return alert, True


def raise_hit_alert(
    uow: UnitOfWork,
    *,
    hit_id: uuid.UUID,
    booth: Booth,
    plate_no: str,
    reason_kind: str,
    severity: Severity,
    title: str,
    data: Mapping[str, Any] | None = None,
) -> Alert:
    """The alert of a watch-list hit (one per hit), scoped to the booth's unit."""
    alert, _ = raise_alert(
        uow,
        key=f"hit:{hit_id}",
        kind="hit",
        cause=reason_kind,
        severity=severity,
        title=title,
        org_unit_id=booth.org_unit_id,
        booth_id=booth.id,
        subject_kind="watch_list_hit",
        subject_id=str(hit_id),
        data={"plate_no": plate_no, "booth": booth.code, **(data or {})},
    )
    return alert


def raise_help_call_alert(uow: UnitOfWork, call: HelpCall) -> Alert:
    """The alert of a help call (one per call; emergency calls are high)."""
    booth = uow.session.get(Booth, call.booth_id)
    if booth is None:
        raise AlertUnknown("没有该岗亭", code="alerts.booth_not_found")
    severity = help_call_severity(call.kind)
    alert, _ = raise_alert(
        uow,
        key=f"help_call:{call.id}",
        kind="help_call",
        cause=call.kind,
        severity=severity,
        title=f"{booth.name}（{booth.code}）一键求助",
        org_unit_id=booth.org_unit_id,
        booth_id=booth.id,
        subject_kind="help_call",
        subject_id=str(call.id),
        data={"booth": booth.code, "kind": call.kind, "called_at": call.called_at.isoformat()},
    )
    return alert


def raise_missed_deadline(
    uow: UnitOfWork,
    *,
    subject_kind: str,
    subject_id: str,
    step: str,
    due_at: datetime,
    org_unit_id: uuid.UUID,
    title: str,
    booth_id: uuid.UUID | None = None,
    severity: Severity = "medium",
) -> Alert:
    """The alert of a deadline missed by ``subject`` at ``step`` (an instruction not
    acknowledged or not reported in time, a bad-review remedy overdue …); one per subject
    and step, so a sweep that finds it again adds nothing."""
    alert, _ = raise_alert(
        uow,
        key=f"missed_deadline:{subject_kind}:{subject_id}:{step}",
        kind="missed_deadline",
        cause=step,
        severity=severity,
        title=title,
        org_unit_id=org_unit_id,
        booth_id=booth_id,
        subject_kind=subject_kind,
        subject_id=subject_id,
        data={"step": step, "due_at": due_at.isoformat()},
    )
    return alert


def raise_booth_faults(
    uow: UnitOfWork, booth: Booth, state: BoothState, policy: FaultPolicy | None = None
) -> dict[str, list[str]]:
    """Bring a booth's fault alerts in line with its current state (``rules.booth_faults``):
    a new fault opens an alert; a fault still open changes nothing; a fault that went away
    marks its alert cleared (a person still closes it); a cleared fault that comes back
    before the alert is closed counts one more occurrence on the same alert. Call it after
    the state moved (the MQTT consumer does, for telemetry, state and availability).
    Returns the fault keys raised, recurred and cleared."""
    return raise_booth_faults_many(uow, [(booth, state)], policy)[booth.code]


def raise_booth_faults_many(
    uow: UnitOfWork,
    booths: Sequence[tuple[Booth, BoothState]],
    policy: FaultPolicy | None = None,
) -> dict[str, dict[str, list[str]]]:
    """``raise_booth_faults`` for many booths, their open fault alerts read in one
    statement; the outcome per booth code."""
    held: dict[uuid.UUID, list[Alert]] = {booth.id: [] for booth, _ in booths}
    for alert in uow.session.execute(
        select(Alert).where(
            Alert.booth_id.in_(held), Alert.kind == "booth_fault", Alert.state != "closed"
        )
    ).scalars():
        if alert.booth_id is not None:
            held[alert.booth_id].append(alert)
    outcomes = {
        booth.code: _follow_booth_faults(uow, booth, state, held[booth.id], policy)
        for booth, state in booths
    }
    uow.session.flush()
    return outcomes


def _follow_booth_faults(
    uow: UnitOfWork,
    booth: Booth,
    state: BoothState,
    open_alerts: list[Alert],
    policy: FaultPolicy | None,
) -> dict[str, list[str]]:
    readings = {
        kind: item.get("value") for kind, item in state.values.items() if isinstance(item, dict)
    }
    adapters_raw = state.reported.get("adapters") if isinstance(state.reported, dict) else None
    adapters = (
        {str(k): str(v) for k, v in adapters_raw.items()} if isinstance(adapters_raw, dict) else {}
    )
    faults = {
        f.key: f
        for f in booth_faults(readings, state.availability, adapters, policy or FaultPolicy())
    }
    prefix = f"booth_fault:{booth.code}:"
    held = {a.key.removeprefix(prefix): a for a in open_alerts}
    now = uow.clock.now()
    outcome: dict[str, list[str]] = {"raised": [], "recurred": [], "cleared": []}
    for key, fault in faults.items():
        alert = held.get(key)
        if alert is None:
            raise_alert(
                uow,
                key=prefix + key,
                kind="booth_fault",
                cause=fault.cause,
                severity=fault.severity,
                title=f"{booth.name}（{booth.code}）{fault.title}",
                org_unit_id=booth.org_unit_id,
                booth_id=booth.id,
                subject_kind="booth",
                subject_id=booth.code,
                data={"booth": booth.code, "part": fault.part},
            )
            outcome["raised"].append(key)
        elif alert.cleared_at is not None:
            alert.cleared_at = None
            alert.occurrences += 1
            alert.last_raised_at = now
            audit.record(uow, SYSTEM, "alert.recurred", "alert", alert.id, data={"key": alert.key})
            outcome["recurred"].append(key)
    for key, alert in held.items():
        if key not in faults and alert.cleared_at is None:
            alert.cleared_at = now
            audit.record(uow, SYSTEM, "alert.cleared", "alert", alert.id, data={"key": alert.key})
            outcome["cleared"].append(key)
    return outcome


# --- reading ----------------------------------------------------------------------------


def alert_view(alert: Alert, booth_code: str | None, org_code: str) -> dict[str, Any]:
    return {
        "id": str(alert.id),
        "key": alert.key,
        "kind": alert.kind,
        "kind_zh": ALERT_KIND_ZH.get(alert.kind, alert.kind),
        "cause": alert.cause,
        "severity": alert.severity,
        "severity_zh": SEVERITY_ZH.get(alert.severity, alert.severity),
        "title": alert.title,
        "org_unit": org_code,
        "booth": booth_code,
        "subject": {"kind": alert.subject_kind, "id": alert.subject_id},
        "data": alert.data,
        "state": alert.state,
        "state_zh": ALERT_STATE_ZH.get(alert.state, alert.state),
        "owner": alert.owner,
        "raised_at": iso_or_none(alert.raised_at),
        "last_raised_at": iso_or_none(alert.last_raised_at),
        "occurrences": alert.occurrences,
        "cleared_at": iso_or_none(alert.cleared_at),
        "acknowledged_at": iso_or_none(alert.acknowledged_at),
        "acknowledged_by": alert.acknowledged_by,
        "closed_at": iso_or_none(alert.closed_at),
        "closed_by": alert.closed_by,
        "close_note": alert.close_note,
    }


def list_alerts(
    uow: UnitOfWork,
    actor: Actor,
    *,
    state: str | None = None,
    kind: str | None = None,
    severity: str | None = None,
    booth_code: str | None = None,
    owner: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Alerts of the caller's org scope (admins: all), newest first (officer and above).
    ``state`` "active" means open or acknowledged; ``owner`` "me" is the caller."""
    require_role(actor, "officer")
    query = (
        select(Alert, Booth.code, OrgUnit.code)
        .join(OrgUnit, OrgUnit.id == Alert.org_unit_id)
        .outerjoin(Booth, Booth.id == Alert.booth_id)
        .order_by(Alert.raised_at.desc(), Alert.id.desc())
        .limit(limit)
    )
    query = scoped(query, actor)
    if state == "active":
        query = query.where(Alert.state != "closed")
    elif state is not None:
        query = query.where(Alert.state == state)
    if kind is not None:
        query = query.where(Alert.kind == kind)
    if severity is not None:
        query = query.where(Alert.severity == severity)
    if booth_code is not None:
        query = query.where(Booth.code == booth_code)
    if owner == "me":
        query = query.where(Alert.owner_id == actor.id)
    elif owner is not None:
        query = query.where(Alert.owner == owner)
    return [alert_view(a, b, o) for a, b, o in uow.session.execute(query).all()]


def _alert_in_scope(
    uow: UnitOfWork, actor: Actor, alert_id: uuid.UUID, *, lock: bool = False
) -> tuple[Alert, str | None, OrgUnit]:
    query = (
        select(Alert, Booth.code, OrgUnit)
        .join(OrgUnit, OrgUnit.id == Alert.org_unit_id)
        .outerjoin(Booth, Booth.id == Alert.booth_id)
        .where(Alert.id == alert_id)
    )
    if lock:
        query = query.with_for_update(of=Alert)
    row = uow.session.execute(query).first()
    if row is None:
        raise AlertUnknown("没有该告警", data={"id": str(alert_id)})
    alert, booth_code, unit = row
    require_scope(actor, unit.path)
    return alert, booth_code, unit


def get_alert(uow: UnitOfWork, actor: Actor, alert_id: uuid.UUID) -> dict[str, Any]:
    require_role(actor, "officer")
    alert, booth_code, unit = _alert_in_scope(uow, actor, alert_id)
    return alert_view(alert, booth_code, unit.code)


# --- moving -----------------------------------------------------------------------------


def _refuse_move(alert: Alert, new: str) -> AlertStateConflict:
    messages = {
        "acknowledged": "该告警不是待签收状态，不能签收",
        "closed": "该告警已关闭",
    }
    return AlertStateConflict(
        messages.get(new, "该告警当前状态不允许此操作"),
        data={"state": alert.state, "state_zh": ALERT_STATE_ZH.get(alert.state)},
    )


def _acknowledge(uow: UnitOfWork, actor: Actor, alert: Alert, note: str | None) -> None:
    alert.state = AlertState.ACKNOWLEDGED
    alert.acknowledged_at = uow.clock.now()
    alert.acknowledged_by = actor.name
    if alert.owner_id is None and actor.kind == "staff":
        alert.owner_id = actor.id
        alert.owner = actor.name
    uow.session.flush()
    audit.record(
        uow, actor, "alert.acknowledged", "alert", alert.id, reason=note, data={"key": alert.key}
    )


def _close(uow: UnitOfWork, actor: Actor, alert: Alert, note: str) -> None:
    alert.state = AlertState.CLOSED
    alert.closed_at = uow.clock.now()
    alert.closed_by = actor.name
    alert.close_note = note
    uow.session.flush()
    audit.record(
        uow, actor, "alert.closed", "alert", alert.id, reason=note, data={"key": alert.key}
    )


def acknowledge_alert(
    uow: UnitOfWork, actor: Actor, alert_id: uuid.UUID, note: str | None = None
) -> dict[str, Any]:
    """签收: open -> acknowledged (officer and above, within scope); an alert without an
    owner becomes the acknowledger's."""
    require_role(actor, "officer")
    alert, booth_code, unit = _alert_in_scope(uow, actor, alert_id, lock=True)
    if not alert_may_move(alert.state, "acknowledged"):
        raise _refuse_move(alert, "acknowledged")
    _acknowledge(uow, actor, alert, note)
    return alert_view(alert, booth_code, unit.code)


def assign_alert(
    uow: UnitOfWork, actor: Actor, alert_id: uuid.UUID, owner: str, note: str | None = None
) -> dict[str, Any]:
    """Give an alert that is not closed to an owner (supervisor and above, within scope).
    The owner is an active staff member within the assigner's scope who can see the alert
    (the alert lies under the owner's unit, or the owner is an admin)."""
    require_role(actor, "supervisor")
    alert, booth_code, unit = _alert_in_scope(uow, actor, alert_id, lock=True)
    if not alert_may_be_assigned(alert.state):
        raise _refuse_move(alert, "closed")
    account, owner_path = staff_in_scope(uow, actor, owner, OwnerUnknown)
    if not sees(account.role, owner_path, unit.path):  # the owner must see the alert
        raise OwnerUnknown(
            "该民警不在告警所属单位范围内，无法处理该告警",
            code="alerts.owner_out_of_scope",
            data={"owner": owner},
        )
    previous = alert.owner
    alert.owner_id = account.id
    alert.owner = account.username
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "alert.assigned",
        "alert",
        alert.id,
        reason=note,
        data={"key": alert.key, "owner": account.username, "previous_owner": previous},
    )
    return alert_view(alert, booth_code, unit.code)


def close_alert(uow: UnitOfWork, actor: Actor, alert_id: uuid.UUID, note: str) -> dict[str, Any]:
    """关闭 with a note: the owner (or anyone when there is none) as officer, any supervisor
    and above, within scope. Open or acknowledged -> closed."""
    require_role(actor, "officer")
    text = note.strip()
    if len(text) < 2:
        raise NoteRequired("关闭告警须填写处理情况（至少2个字）")
    alert, booth_code, unit = _alert_in_scope(uow, actor, alert_id, lock=True)
    if (
        ROLE_RANK.get(actor.role or "", 0) < ROLE_RANK["supervisor"]
        and alert.owner_id is not None
        and alert.owner_id != actor.id
    ):
        raise RoleRequired("只有该告警的责任人或督察及以上可以关闭", data={"owner": alert.owner})
    if not alert_may_move(alert.state, "closed"):
        raise _refuse_move(alert, "closed")
    _close(uow, actor, alert, text)
    return alert_view(alert, booth_code, unit.code)


def settle_subject_alerts(
    uow: UnitOfWork, actor: Actor, subject_kind: str, subject_id: str, *, close: str | None
) -> int:
    """Follow a decision on the alerts' subject (a hit confirmed or rejected): acknowledge
    the open alerts of the subject, or close every alert not yet closed with the note
    ``close``. Alerts already past that step are left alone. Returns how many moved."""
    alerts = uow.session.execute(
        select(Alert)
        .where(
            Alert.subject_kind == subject_kind,
            Alert.subject_id == subject_id,
            Alert.state != "closed",
        )
        .with_for_update()
    ).scalars()
    moved = 0
    for alert in alerts:
        if close is not None:
            _close(uow, actor, alert, close)
            moved += 1
        elif alert.state == "open":
            _acknowledge(uow, actor, alert, None)
            moved += 1
    return moved
