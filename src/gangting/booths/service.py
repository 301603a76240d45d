"""What a booth reports about itself: help calls, telemetry (history + current state),
broker availability, its own state report and printed receipts. Each in the caller's unit
of work; changes a person may ask about later carry an audit entry."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from gangting.alerts.rules import FaultPolicy
from gangting.alerts.service import raise_booth_faults, raise_help_call_alert
from gangting.applications.models import Application
from gangting.audit import service as audit
from gangting.booths.errors import BoothMismatch, ReceiptUnknown
from gangting.booths.models import Booth, BoothState, HelpCall, ReceiptPrint, TelemetryReading
from gangting.booths.rules import availability_applies, reading_is_current
from gangting.fines.models import Payment
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.service import require_booth


def require_this_booth(actor: Actor, booth_code: str | None) -> None:
    """A booth reports only for itself: the code in the body, when given, is its own."""
    require_booth(actor)
    if booth_code is not None and booth_code != actor.name:
        raise BoothMismatch(
            "岗亭编号与登录的岗亭不一致", data={"booth": booth_code, "logged_in": actor.name}
        )


def call_help(
    uow: UnitOfWork, actor: Actor, kind: str, note: str | None, called_at: datetime | None
) -> dict[str, Any]:
    now = uow.clock.now()
    call = HelpCall(
        booth_id=require_booth(actor),
        kind=kind,
        note=note,
        called_at=called_at or now,
        received_at=now,
        state="open",
    )
    uow.session.add(call)
    uow.session.flush()
    audit.record(uow, actor, "help_call.opened", "help_call", call.id, data={"kind": kind})
    raise_help_call_alert(uow, call)
    return {
        "help_call_id": str(call.id),
        "booth": actor.name,
        "kind": kind,
        "state": call.state,
        "called_at": call.called_at.isoformat(),
    }


def record_telemetry(
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    value: Any,
    at: datetime | None,
    faults: FaultPolicy | None = None,
) -> dict[str, Any]:
    """Append to the history; move the current state only when this reading is newer than
    the one it holds (a replayed old reading never overwrites a fresh one)."""
    booth_id = require_booth(actor)
    state = apply_telemetry(uow, booth_id, kind, value, at or uow.clock.now(), faults=faults)
    audit.record(uow, actor, "telemetry.recorded", "booth", actor.name, data={"kind": kind})
    return {"booth": actor.name, "kind": kind, "value": value, "state": state.values}


def _current_state(uow: UnitOfWork, booth_id: uuid.UUID) -> BoothState:
    """The booth's current-state row, locked for this unit of work (made on first use)."""
    state = uow.session.execute(
        select(BoothState).where(BoothState.booth_id == booth_id).with_for_update()
    ).scalar_one_or_none()
    if state is None:
        now = uow.clock.now()
        state = BoothState(
            booth_id=booth_id,
            values={},
            last_reported_at=now,
            last_changed_at=now,
            availability="unknown",
            reported={},
        )
        uow.session.add(state)
    return state


def apply_telemetry(
    uow: UnitOfWork,
    booth_id: uuid.UUID,
    kind: str,
    value: Any,
    at: datetime,
    *,
    skip_repeat: bool = False,
    faults: FaultPolicy | None = None,
) -> BoothState:
    """History + current state for one reading, without an audit entry (the history row is
    the record). ``skip_repeat``: a reading identical to the current one (same time, same
    value) is a redelivery and appends nothing (MQTT at-least-once delivery). With a
    ``faults`` policy the booth's fault alerts follow the new state (alerts domain)."""
    now = uow.clock.now()
    state = _current_state(uow, booth_id)
    current = state.values.get(kind)
    current_at = datetime.fromisoformat(current["at"]) if current is not None else None
    if skip_repeat and current_at == at and current is not None and current["value"] == value:
        state.last_reported_at = now
        return state
    uow.session.add(
        TelemetryReading(booth_id=booth_id, kind=kind, value=value, at=at, received_at=now)
    )
    if reading_is_current(current_at, at):
        if current is None or current["value"] != value:
            state.last_changed_at = now
        state.values = {**state.values, kind: {"value": value, "at": at.isoformat()}}
    state.last_reported_at = now
    uow.session.flush()
    _follow_faults(uow, booth_id, state, faults)
    return state


def _follow_faults(
    uow: UnitOfWork, booth_id: uuid.UUID, state: BoothState, faults: FaultPolicy | None
) -> None:
    """Open, clear or count the booth's fault alerts from its current state."""
    if faults is None:
        return
    booth = uow.session.get(Booth, booth_id)
    if booth is not None:
        raise_booth_faults(uow, booth, state, faults)


def record_availability(
    uow: UnitOfWork,
    actor: Actor,
    status: str,
    session: str,
    reason: str | None,
    faults: FaultPolicy | None = None,
) -> bool:
    """Apply a broker availability report (online, or offline by shutdown or last will)
    when it is the newest for its connection (rules.availability_applies). A flip between
    online and offline is audited. Returns whether the current state changed."""
    booth_id = require_booth(actor)
    state = _current_state(uow, booth_id)
    if not availability_applies(state.availability, state.availability_session, status, session):
        return False
    now = uow.clock.now()
    flipped = state.availability != status
    state.availability = status
    state.availability_session = session
    state.last_reported_at = now
    if flipped:
        state.availability_changed_at = now
        state.last_changed_at = now
    uow.session.flush()
    if flipped:
        audit.record(
            uow,
            actor,
            f"booth.{status}",
            "booth",
            actor.name,
            data={"session": session, "reason": reason},
        )
    if flipped:
        _follow_faults(uow, booth_id, state, faults)
    return flipped


def record_reported_state(
    uow: UnitOfWork,
    actor: Actor,
    reported: dict[str, Any],
    at: datetime,
    faults: FaultPolicy | None = None,
) -> bool:
    """Keep the booth's latest own state report (kiosk mode, adapters, versions); an older
    report never replaces a newer one. Returns whether it was taken."""
    booth_id = require_booth(actor)
    state = _current_state(uow, booth_id)
    now = uow.clock.now()
    state.last_reported_at = now
    if not reading_is_current(state.reported_at, at):
        uow.session.flush()
        return False
    if state.reported != reported:
        state.last_changed_at = now
        state.reported = reported
    state.reported_at = at
    uow.session.flush()
    _follow_faults(uow, booth_id, state, faults)
    return True


def record_receipt_printed(
    uow: UnitOfWork, actor: Actor, receipt_no: str, printed_at: datetime | None
) -> dict[str, Any]:
    booth_id = require_booth(actor)
    # An application's receipt (SL…) or a payment's (PJ…), issued at this booth.
    known = uow.session.execute(
        select(Application.id)
        .where(Application.receipt_no == receipt_no, Application.booth_id == booth_id)
        .union_all(
            select(Payment.id).where(Payment.receipt_no == receipt_no, Payment.booth_id == booth_id)
        )
    ).first()
    if known is None:
        raise ReceiptUnknown("本岗亭没有该受理编号", data={"receipt_no": receipt_no})
    now = uow.clock.now()
    row = ReceiptPrint(
        booth_id=booth_id, receipt_no=receipt_no, printed_at=printed_at or now, received_at=now
    )
    uow.session.add(row)
    uow.session.flush()
    audit.record(uow, actor, "receipt.printed", "application", receipt_no)
    return {"receipt_no": receipt_no, "booth": actor.name, "printed_at": row.printed_at.isoformat()}
