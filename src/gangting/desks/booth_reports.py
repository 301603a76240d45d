"""The booth report desk: what a booth reports about itself, with the alerts it raises.

The booths domain keeps the registry, the current state and the history; the alerts domain
sits above it and opens, counts and clears alerts. Each report here is the booths use case
followed by the alerts that follow it, in the same unit of work, so the command centre
never sees a fault without its alert or a closed help call with an open alert.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from gangting.alerts.rules import FaultPolicy
from gangting.alerts.service import (
    raise_booth_faults_many,
    raise_help_call_alert,
    settle_subject_alerts,
)
from gangting.booths import service as booths
from gangting.booths.clock import ClockWindow
from gangting.booths.models import Booth, BoothState
from gangting.booths.service import Reading
from gangting.config import Settings
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork


def clock_window(settings: Settings) -> ClockWindow:
    """The window around the centre's time a booth's timestamps must lie in (configured)."""
    return ClockWindow(settings.booth_clock_skew_s, settings.booth_backlog_days * 24 * 3600)


def call_help(
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    note: str | None,
    called_at: datetime | None,
    call_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Store a help call and raise its alert (once, however often the call arrives)."""
    call, new = booths.open_help_call(uow, actor, kind, note, called_at, call_id)
    if new:
        raise_help_call_alert(uow, call)
    return booths.help_call_view(call, actor.name)


def close_help_call(uow: UnitOfWork, actor: Actor, call_id: uuid.UUID, note: str) -> bool:
    """Close a help call and its alerts not yet closed. False when it was closed already."""
    closed = booths.close_help_call(uow, actor, call_id, note)
    if closed:
        settle_subject_alerts(uow, actor, "help_call", str(call_id), close=note)
    return closed


def record_telemetry(
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    value: Any,
    at: datetime | None,
    faults: FaultPolicy | None = None,
) -> dict[str, Any]:
    """One reading a booth sent by HTTP (audited), and the fault alerts that follow it."""
    state, view = booths.record_telemetry(uow, actor, kind, value, at)
    _follow_faults(uow, {state.booth_id: state}, faults)
    return view


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
    readings = [Reading(booth_id, kind, value, at)]
    return apply_telemetry_many(uow, readings, skip_repeat=skip_repeat, faults=faults)[booth_id]


def apply_telemetry_many(
    uow: UnitOfWork,
    readings: Sequence[Reading],
    *,
    skip_repeat: bool = False,
    faults: FaultPolicy | None = None,
) -> dict[uuid.UUID, BoothState]:
    """A batch of readings, then the fault alerts of all its booths followed once."""
    states = booths.apply_telemetry_many(uow, readings, skip_repeat=skip_repeat)
    _follow_faults(uow, states, faults)
    return states


def record_availability(
    uow: UnitOfWork,
    actor: Actor,
    status: str,
    session: str,
    reason: str | None,
    faults: FaultPolicy | None = None,
) -> bool:
    flipped = booths.record_availability(uow, actor, status, session, reason)
    if flipped:
        _follow_booth(uow, actor, faults)
    return flipped


def record_reported_state(
    uow: UnitOfWork,
    actor: Actor,
    reported: dict[str, Any],
    at: datetime,
    faults: FaultPolicy | None = None,
) -> bool:
    taken = booths.record_reported_state(uow, actor, reported, at)
    if taken:
        _follow_booth(uow, actor, faults)
    return taken


def _follow_booth(uow: UnitOfWork, actor: Actor, faults: FaultPolicy | None) -> None:
    if faults is not None and actor.id is not None:
        _follow_faults(uow, {actor.id: booths.current_state(uow, actor.id)}, faults)


def _follow_faults(
    uow: UnitOfWork, states: dict[uuid.UUID, BoothState], faults: FaultPolicy | None
) -> None:
    """Open, clear or count the booths' fault alerts from their current states."""
    if faults is None or not states:
        return
    rows = uow.session.execute(select(Booth).where(Booth.id.in_(states))).scalars()
    raise_booth_faults_many(uow, [(b, states[b.id]) for b in rows], faults)
