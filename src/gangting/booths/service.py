"""What a booth reports about itself: help calls, telemetry (history + current state),
broker availability, its own state report and printed receipts. Each in the caller's unit
of work; changes a person may ask about later carry an audit entry."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gangting.applications.models import Application
from gangting.audit import service as audit
from gangting.booths.clock import check_named_booth
from gangting.booths.errors import HelpCallIdTaken, ReceiptUnknown
from gangting.booths.models import Booth, BoothState, HelpCall, ReceiptPrint, TelemetryReading
from gangting.booths.rules import HelpCallState, availability_applies, reading_is_current
from gangting.fines.models import Payment
from gangting.kernel.actor import Actor
from gangting.kernel.errors import DomainError
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import OrgUnit
from gangting.staff.scope import require_scope
from gangting.staff.service import require_booth


def require_this_booth(actor: Actor, booth_code: str | None) -> None:
    """A booth reports only for itself: the code in the body, when given, is its own."""
    require_booth(actor)
    check_named_booth(actor.name, booth_code)  # the same rule as the MQTT ingest's


def _help_call_view(call: HelpCall, booth_code: str | None) -> dict[str, Any]:
    return {
        "help_call_id": str(call.id),
        "booth": booth_code,
        "kind": call.kind,
        "state": call.state,
        "called_at": call.called_at.isoformat(),
    }


def help_call_view(call: HelpCall, booth_code: str | None) -> dict[str, Any]:
    return _help_call_view(call, booth_code)


def open_help_call(
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    note: str | None,
    called_at: datetime | None,
    call_id: uuid.UUID | None = None,
) -> tuple[HelpCall, bool]:
    """Store a help call; True with it when it is new (its alert is the caller's: the booth
    report desk raises it). ``call_id`` is the id the booth gave the call:
    one call that reaches the centre twice, by HTTP (any Idempotency-Key) and by MQTT
    (``mqtt-help-call:{id}``), is stored once; the second arrival answers the first's call."""
    booth_id = require_booth(actor)
    if call_id is not None:
        known = _known_help_call(uow, booth_id, call_id)
        if known is not None:
            return known, False
    now = uow.clock.now()
    call = HelpCall(
        booth_id=booth_id,
        kind=kind,
        note=note,
        called_at=called_at or now,
        received_at=now,
        state="open",
    )
    if call_id is not None:
        call.id = call_id
        try:
            with uow.session.begin_nested():
                uow.session.add(call)
                uow.session.flush()
        except IntegrityError:
            # The other path stored it a moment ago (the same id): answer that one.
            known = _known_help_call(uow, booth_id, call_id)
            if known is None:
                raise
            return known, False
    else:
        uow.session.add(call)
        uow.session.flush()
    audit.record(uow, actor, "help_call.opened", "help_call", call.id, data={"kind": kind})
    return call, True


def close_help_call(uow: UnitOfWork, actor: Actor, call_id: uuid.UUID, note: str) -> bool:
    """Close a help call that is still open or answered (the remote-assist session that
    answered it ended). False when it was closed already."""
    call = uow.session.execute(
        select(HelpCall).where(HelpCall.id == call_id).with_for_update()
    ).scalar_one_or_none()
    if call is None or call.state == "closed":
        return False
    previous = call.state
    call.state = HelpCallState.CLOSED
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "help_call.closed",
        "help_call",
        call.id,
        reason=note,
        data={"previous_state": previous},
    )
    return True


def _known_help_call(uow: UnitOfWork, booth_id: uuid.UUID, call_id: uuid.UUID) -> HelpCall | None:
    """The call with this id, if this booth already reported it; another booth's id is a
    conflict, never an answer."""
    call = uow.session.get(HelpCall, call_id)
    if call is not None and call.booth_id != booth_id:
        raise HelpCallIdTaken("该求助编号已被其他岗亭使用", data={"help_call_id": str(call_id)})
    return call


def record_telemetry(
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    value: Any,
    at: datetime | None,
) -> tuple[BoothState, dict[str, Any]]:
    """Append to the history; move the current state only when this reading is newer than
    the one it holds (a replayed old reading never overwrites a fresh one)."""
    booth_id = require_booth(actor)
    state = apply_telemetry(uow, booth_id, kind, value, at or uow.clock.now())
    audit.record(uow, actor, "telemetry.recorded", "booth", actor.name, data={"kind": kind})
    return state, {"booth": actor.name, "kind": kind, "value": value, "state": state.values}


def current_state(uow: UnitOfWork, booth_id: uuid.UUID) -> BoothState:
    """The booth's current-state row, locked for this unit of work (made on first use)."""
    return _current_states(uow, {booth_id})[booth_id]


def _current_states(
    uow: UnitOfWork, booth_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, BoothState]:
    """The current-state rows of ``booth_ids`` in one statement, locked for this unit of
    work in booth order (two units of work never wait on each other in a circle); a booth
    without one gets it now."""
    states = {
        state.booth_id: state
        for state in uow.session.execute(
            select(BoothState)
            .where(BoothState.booth_id.in_(booth_ids))
            .order_by(BoothState.booth_id)
            .with_for_update()
        ).scalars()
    }
    now = uow.clock.now()
    for booth_id in booth_ids:
        if booth_id not in states:
            states[booth_id] = BoothState(
                booth_id=booth_id,
                values={},
                last_reported_at=now,
                last_changed_at=now,
                availability="unknown",
                reported={},
            )
            uow.session.add(states[booth_id])
    return states


@dataclass(frozen=True)
class Reading:
    """One telemetry reading of one booth (``kind`` as in the topic)."""

    booth_id: uuid.UUID
    kind: str
    value: Any
    at: datetime


def apply_telemetry(
    uow: UnitOfWork,
    booth_id: uuid.UUID,
    kind: str,
    value: Any,
    at: datetime,
    *,
    skip_repeat: bool = False,
) -> BoothState:
    """History + current state for one reading, without an audit entry (the history row is
    the record). ``skip_repeat``: a reading identical to the current one (same time, same
    value) is a redelivery and appends nothing (MQTT at-least-once delivery). The fault
    alerts that follow the state are the booth report desk's."""
    readings = [Reading(booth_id, kind, value, at)]
    return apply_telemetry_many(uow, readings, skip_repeat=skip_repeat)[booth_id]


def apply_telemetry_many(
    uow: UnitOfWork,
    readings: Sequence[Reading],
    *,
    skip_repeat: bool = False,
) -> dict[uuid.UUID, BoothState]:
    """``apply_telemetry`` for many readings of many booths (a batch from the broker), in
    order, in a few statements whatever their number: the booths' states are locked in one,
    the history rows inserted in one. Returns the booths' current states (the state the whole
    batch leaves, which the fault alerts follow once)."""
    now = uow.clock.now()
    states = _current_states(uow, {r.booth_id for r in readings})
    rows: list[TelemetryReading] = []
    for r in readings:
        state = states[r.booth_id]
        state.last_reported_at = now
        current = state.values.get(r.kind)
        current_at = datetime.fromisoformat(current["at"]) if current is not None else None
        if (
            skip_repeat
            and current is not None
            and (current_at, current["value"]) == (r.at, r.value)
        ):
            continue
        rows.append(
            TelemetryReading(
                booth_id=r.booth_id, kind=r.kind, value=r.value, at=r.at, received_at=now
            )
        )
        if reading_is_current(current_at, r.at):
            if current is None or current["value"] != r.value:
                state.last_changed_at = now
            state.values = {**state.values, r.kind: {"value": r.value, "at": r.at.isoformat()}}
    uow.session.add_all(rows)
    uow.session.flush()
    return states


def record_availability(
    uow: UnitOfWork,
    actor: Actor,
    status: str,
    session: str,
    reason: str | None,
) -> bool:
    """Apply a broker availability report (online, or offline by shutdown or last will)
    when it is the newest for its connection (rules.availability_applies). A flip between
    online and offline is audited. Returns whether the current state changed."""
    booth_id = require_booth(actor)
    state = current_state(uow, booth_id)
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
    return flipped


def record_reported_state(
    uow: UnitOfWork,
    actor: Actor,
    reported: dict[str, Any],
    at: datetime,
) -> bool:
    """Keep the booth's latest own state report (kiosk mode, adapters, versions); an older
    report never replaces a newer one. Returns whether it was taken."""
    booth_id = require_booth(actor)
    state = current_state(uow, booth_id)
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


def booth_in_scope(
    uow: UnitOfWork, actor: Actor, code: str, unknown: type[DomainError]
) -> tuple[Booth, OrgUnit]:
    """The booth of that code and its org unit, within the caller's scope; ``unknown`` is
    the error each caller answers for a code no booth has."""
    row = uow.session.execute(
        select(Booth, OrgUnit)
        .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
        .where(Booth.code == code)
    ).first()
    if row is None:
        raise unknown("没有该岗亭", data={"booth": code})
    booth, unit = row
    require_scope(actor, unit.path)
    return booth, unit
