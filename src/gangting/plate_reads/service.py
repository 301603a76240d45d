"""Plate reads: a booth records what its cameras read; staff see the latest reads of the
booths under their own org unit. Each write in the caller's unit of work with its audit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from gangting.audit import service as audit
from gangting.booths.models import Booth
from gangting.kernel.actor import Actor
from gangting.kernel.ids import new_id
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.plate_reads.errors import EventIdTaken
from gangting.plate_reads.models import PlateReadRecord
from gangting.plate_reads.schemas import PlateReadEvent
from gangting.staff.models import OrgUnit
from gangting.staff.scope import scoped
from gangting.staff.service import require_booth, require_role
from gangting.vehicles.models import Vehicle
from gangting.vehicles.rules import parse_plate


def record_plate_read(uow: UnitOfWork, actor: Actor, event: PlateReadEvent) -> dict[str, Any]:
    """Store the event once per ``event_id``; the same event again answers the stored row
    (``duplicate: true``) and writes nothing. The plate must be a GA 36 plate
    (``vehicles.invalid_plate`` otherwise); a registered vehicle with it is linked. (The
    watch-list check of new reads is the plate-read desk's: gangting.desks.plate_reads.)"""
    return record_plate_reads(uow, [(actor, event)])[0][0]


def record_plate_reads(
    uow: UnitOfWork, reads: Sequence[tuple[Actor, PlateReadEvent]]
) -> tuple[list[dict[str, Any]], list[PlateReadRecord]]:
    """``record_plate_read`` for many events (a batch from the broker) in a few statements,
    whatever their number: one lookup of the event ids, one of the vehicles, one insert of
    the reads and one of their audit entries. Answers in the order of ``reads``, and the
    rows stored new; an event id twice in the batch is stored once (the second answers
    ``duplicate``). A refusal refuses the whole batch."""
    plates = [
        (require_booth(actor), actor, event, parse_plate(event.plate)) for actor, event in reads
    ]
    ids = {event.event_id for _, _, event, _ in plates}
    stored: dict[uuid.UUID, PlateReadRecord] = {
        row.event_id: row
        for row in uow.session.execute(
            select(PlateReadRecord).where(PlateReadRecord.event_id.in_(ids))
        ).scalars()
    }
    numbers = {plate.value for *_, plate in plates}
    vehicles: dict[str, uuid.UUID] = {
        plate_no: vehicle_id
        for plate_no, vehicle_id in uow.session.execute(
            select(Vehicle.plate_no, Vehicle.id).where(Vehicle.plate_no.in_(numbers))
        )
    }
    now = uow.clock.now()
    answers: list[dict[str, Any]] = []
    new: list[tuple[Actor, PlateReadRecord]] = []
    for booth_id, actor, event, plate in plates:
        existing = stored.get(event.event_id)
        if existing is not None:
            if existing.booth_id != booth_id:
                raise EventIdTaken(
                    "该事件编号已被其他岗亭使用", data={"event_id": str(event.event_id)}
                )
            answers.append(_answer(existing, actor.name, duplicate=True))
            continue
        row = _new_row(event, booth_id, plate.value, vehicles.get(plate.value), now)
        stored[event.event_id] = row
        new.append((actor, row))
        answers.append(_answer(row, actor.name, duplicate=False))
    if new:
        uow.session.add_all(row for _, row in new)
        uow.session.flush()
        audit.record_many(
            uow,
            "plate_read.recorded",
            "plate_read",
            [(a, row.id, {"camera": row.camera, "event_id": str(row.event_id)}) for a, row in new],
        )
    return answers, [row for _, row in new]


def _new_row(
    event: PlateReadEvent,
    booth_id: uuid.UUID,
    plate_no: str,
    vehicle_id: uuid.UUID | None,
    now: datetime,
) -> PlateReadRecord:
    return PlateReadRecord(
        id=new_id(),
        event_id=event.event_id,
        payload_version=event.v,
        booth_id=booth_id,
        camera=event.camera,
        plate_no=plate_no,
        colour=event.colour,
        plate_type=event.plate_type,
        confidence=event.confidence,
        char_confidences=list(event.char_confidences),
        frames=event.frames,
        agreeing=event.agreeing,
        first_seen_at=event.first_seen_at,
        last_seen_at=event.last_seen_at,
        received_at=now,
        box=list(event.box) if event.box is not None else None,
        frame_size=list(event.frame_size) if event.frame_size is not None else None,
        evidence_jpeg_b64=event.evidence_jpeg_b64,
        vehicle_id=vehicle_id,
    )


def _answer(row: PlateReadRecord, booth_code: str, *, duplicate: bool) -> dict[str, Any]:
    """The booth's answer: what was stored, without the evidence crop (kept with the key)."""
    return {
        "plate_read_id": str(row.id),
        "event_id": str(row.event_id),
        "booth": booth_code,
        "plate_no": row.plate_no,
        "vehicle_id": str(row.vehicle_id) if row.vehicle_id is not None else None,
        "duplicate": duplicate,
    }


def list_plate_reads(
    uow: UnitOfWork,
    actor: Actor,
    *,
    booth_code: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """The latest reads (newest first) of the booths under the officer's own org unit
    (admins: every booth), with the evidence crop; ``since`` on the first-seen time."""
    require_role(actor, "officer")
    query = (
        select(PlateReadRecord, Booth.code)
        .join(Booth, Booth.id == PlateReadRecord.booth_id)
        .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
        .order_by(PlateReadRecord.first_seen_at.desc(), PlateReadRecord.id.desc())
        .limit(limit)
    )
    query = scoped(query, actor)
    if booth_code:
        query = query.where(Booth.code == booth_code)
    if since is not None:
        query = query.where(PlateReadRecord.first_seen_at >= since)
    return [_view(row, code) for row, code in uow.session.execute(query).all()]


def _view(row: PlateReadRecord, booth_code: str) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "event_id": str(row.event_id),
        "booth": booth_code,
        "camera": row.camera,
        "plate_no": row.plate_no,
        "colour": row.colour,
        "plate_type": row.plate_type,
        "confidence": row.confidence,
        "char_confidences": row.char_confidences,
        "frames": row.frames,
        "agreeing": row.agreeing,
        "first_seen_at": row.first_seen_at.isoformat(),
        "last_seen_at": row.last_seen_at.isoformat(),
        "received_at": row.received_at.isoformat(),
        "box": row.box,
        "frame_size": row.frame_size,
        "evidence_jpeg_b64": row.evidence_jpeg_b64,
        "vehicle_id": str(row.vehicle_id) if row.vehicle_id is not None else None,
    }
