"""What a booth reports about itself: help calls, telemetry (history + current state) and
printed receipts. Each in the caller's unit of work with its audit entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from gangting.applications.models import Application
from gangting.audit import service as audit
from gangting.booths.errors import BoothMismatch, ReceiptUnknown
from gangting.booths.models import BoothState, HelpCall, ReceiptPrint, TelemetryReading
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
    return {
        "help_call_id": str(call.id),
        "booth": actor.name,
        "kind": kind,
        "state": call.state,
        "called_at": call.called_at.isoformat(),
    }


def record_telemetry(
    uow: UnitOfWork, actor: Actor, kind: str, value: Any, at: datetime | None
) -> dict[str, Any]:
    """Append to the history; move the current state only when this reading is newer than
    the one it holds (a replayed old reading never overwrites a fresh one)."""
    booth_id = require_booth(actor)
    now = uow.clock.now()
    at = at or now
    uow.session.add(
        TelemetryReading(booth_id=booth_id, kind=kind, value=value, at=at, received_at=now)
    )
    state = uow.session.execute(
        select(BoothState).where(BoothState.booth_id == booth_id).with_for_update()
    ).scalar_one_or_none()
    if state is None:
        state = BoothState(booth_id=booth_id, values={}, last_reported_at=now, last_changed_at=now)
        uow.session.add(state)
    current = state.values.get(kind)
    if current is None or datetime.fromisoformat(current["at"]) <= at:
        if current is None or current["value"] != value:
            state.last_changed_at = now
        state.values = {**state.values, kind: {"value": value, "at": at.isoformat()}}
    state.last_reported_at = now
    uow.session.flush()
    audit.record(uow, actor, "telemetry.recorded", "booth", actor.name, data={"kind": kind})
    return {"booth": actor.name, "kind": kind, "value": value, "state": state.values}


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
