"""Hits (比中): a plate read that matches a watch-list entry becomes one pending hit per
vehicle pass, with its alert; a person on the centre confirms or rejects it; only a
confirmed hit goes on (``on_hit_confirmed``, the hook the instruction module uses).
Each step in the caller's unit of work with its audit entry."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from gangting.alerts import service as alerts
from gangting.audit import service as audit
from gangting.booths.models import Booth
from gangting.kernel.actor import SYSTEM, Actor
from gangting.kernel.clock import iso_or_none
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.plate_reads.models import PlateReadRecord
from gangting.staff.models import OrgUnit
from gangting.staff.scope import require_scope, scoped
from gangting.staff.service import require_role
from gangting.vehicles.rules import shown_plate
from gangting.watchlists.errors import HitDecided, HitUnknown, NoteRequired
from gangting.watchlists.models import WatchListEntry, WatchListHit
from gangting.watchlists.rules import (
    HIT_SEVERITY,
    REASON_KIND_ZH,
    HitState,
    WatchListPolicy,
    hit_may_decide,
    same_pass,
)
from gangting.watchlists.service import INDEX_CACHE, IndexCache

HIT_STATE_ZH = {"pending": "待确认", "confirmed": "已确认", "rejected": "已否定"}


@dataclass(frozen=True)
class ConfirmedHit:
    """What a confirmed hit hands on (to the instruction module): the listed plate and why,
    where and when it was seen, who confirmed it."""

    hit_id: uuid.UUID
    entry_id: uuid.UUID
    plate_no: str
    read_plate: str
    reason_kind: str
    reason: str
    booth_id: uuid.UUID
    booth_code: str
    camera: str
    seen_at: datetime
    score: float
    confirmed_by: str
    confirmed_at: datetime
    note: str | None


HitConfirmedListener = Callable[[UnitOfWork, Actor, ConfirmedHit], None]
_listeners: list[HitConfirmedListener] = []


def listen_hit_confirmed(listener: HitConfirmedListener) -> Callable[[], None]:
    """Register ``listener`` to run in the confirming unit of work of every confirmed hit
    (wire it once at start-up); returns the function that removes it again."""
    _listeners.append(listener)

    def remove() -> None:
        if listener in _listeners:
            _listeners.remove(listener)

    return remove


def on_hit_confirmed(uow: UnitOfWork, actor: Actor, hit: ConfirmedHit) -> None:
    """The hit was confirmed by a person: what follows (an instruction to officers) runs
    here, in the same unit of work, so the confirmation and its consequence commit together.
    Listeners are the instruction module's; an error in one rolls the confirmation back."""
    for listener in tuple(_listeners):
        listener(uow, actor, hit)


# --- raising ----------------------------------------------------------------------------


def hit_view(
    hit: WatchListHit, entry: WatchListEntry, booth_code: str, *, repeat: bool = False
) -> dict[str, Any]:
    return {
        "id": str(hit.id),
        "state": hit.state,
        "state_zh": HIT_STATE_ZH.get(hit.state, hit.state),
        "plate_no": hit.plate_no,
        "plate": shown_plate(hit.plate_no),
        "read_plate": hit.read_plate,
        "score": round(hit.score, 4),
        "entry": {
            "id": str(entry.id),
            "reason_kind": entry.reason_kind,
            "reason_kind_zh": REASON_KIND_ZH.get(entry.reason_kind, entry.reason_kind),
            "reason": entry.reason,
            "legal_basis": entry.legal_basis,
            "state": entry.state,
        },
        "matches": hit.matches,
        "booth": booth_code,
        "camera": hit.camera,
        "plate_read_id": str(hit.plate_read_id) if hit.plate_read_id is not None else None,
        "seen_at": iso_or_none(hit.seen_at),
        "last_seen_at": iso_or_none(hit.last_seen_at),
        "repeats": hit.repeats,
        "raised_at": iso_or_none(hit.raised_at),
        "decided_by": hit.decided_by,
        "decided_at": iso_or_none(hit.decided_at),
        "note": hit.note,
        "repeat": repeat,
    }


def check_plate_reads(
    uow: UnitOfWork,
    reads: Sequence[PlateReadRecord],
    policy: WatchListPolicy,
    cache: IndexCache = INDEX_CACHE,
) -> list[dict[str, Any] | None]:
    """``check_plate_read`` for many new reads: the list is brought up to date once and
    matched in memory; only the reads that match something take the per-read path."""
    flagged = cache.matches_any(
        uow,
        [(r.plate_no, r.char_confidences, r.first_seen_at) for r in reads],
        min_score=policy.min_score,
    )
    return [
        check_plate_read(uow, read, policy, cache) if hit else None
        for read, hit in zip(reads, flagged, strict=True)
    ]


def check_plate_read(
    uow: UnitOfWork,
    read: PlateReadRecord,
    policy: WatchListPolicy,
    cache: IndexCache = INDEX_CACHE,
) -> dict[str, Any] | None:
    """Match one stored plate read against the list; None when nothing matches with at
    least ``policy.min_score``. Call it right after the read is recorded, in that unit of
    work (the plate-read ingest does).

    The best match (``MatchIndex.match``) names the entry. A read of the same listed plate
    at the same booth within ``policy.hit_window_s`` of an earlier hit is the same pass
    (``rules.same_pass``): the earlier hit counts one more repeat, no new hit or alert. A
    read checked twice (a redelivery) answers its hit again.
    """
    done = uow.session.execute(
        select(WatchListHit, WatchListEntry, Booth.code)
        .join(WatchListEntry, WatchListEntry.id == WatchListHit.entry_id)
        .join(Booth, Booth.id == WatchListHit.booth_id)
        .where(WatchListHit.plate_read_id == read.id)
    ).first()
    if done is not None:
        return hit_view(*done, repeat=True)
    matches = cache.match(
        uow,
        read.plate_no,
        read.char_confidences,
        at=read.first_seen_at,
        min_score=policy.min_score,
    )
    if not matches:
        return None
    best = matches[0]
    booth = uow.session.get(Booth, read.booth_id)
    entry = uow.session.get(WatchListEntry, best.entry.entry_id)
    if booth is None or entry is None:
        return None
    previous = uow.session.execute(
        select(WatchListHit)
        .where(
            WatchListHit.booth_id == booth.id,
            WatchListHit.plate_no == best.entry.plate,
            WatchListHit.seen_at <= read.first_seen_at + timedelta(seconds=policy.hit_window_s),
        )
        .order_by(WatchListHit.seen_at.desc())
        .limit(1)
        .with_for_update()
    ).scalar_one_or_none()
    if previous is not None and same_pass(
        previous.seen_at, read.first_seen_at, policy.hit_window_s
    ):
        previous.repeats += 1
        previous.last_seen_at = max(previous.last_seen_at, read.last_seen_at)
        uow.session.flush()
        audit.record(
            uow,
            SYSTEM,
            "watch_list_hit.repeated",
            "watch_list_hit",
            previous.id,
            data={"plate_read_id": str(read.id)},
        )
        first_entry = uow.session.get(WatchListEntry, previous.entry_id)
        assert first_entry is not None
        return hit_view(previous, first_entry, booth.code, repeat=True)
    now = uow.clock.now()
    hit = WatchListHit(
        entry_id=entry.id,
        plate_read_id=read.id,
        booth_id=booth.id,
        camera=read.camera,
        plate_no=entry.plate_no,
        read_plate=read.plate_no,
        score=best.score,
        matches=[
            {"entry_id": str(m.entry.entry_id), "reason_kind": m.entry.kind, "score": m.score}
            for m in matches
        ],
        seen_at=read.first_seen_at,
        last_seen_at=read.last_seen_at,
        repeats=0,
        raised_at=now,
        state="pending",
    )
    uow.session.add(hit)
    uow.session.flush()
    kind_zh = REASON_KIND_ZH.get(entry.reason_kind, entry.reason_kind)
    alerts.raise_hit_alert(
        uow,
        hit_id=hit.id,
        booth=booth,
        plate_no=entry.plate_no,
        reason_kind=entry.reason_kind,
        severity=HIT_SEVERITY.get(entry.reason_kind, "medium"),
        title=f"布控比中：{shown_plate(entry.plate_no)}（{kind_zh}）经过{booth.name}",
        data={"score": round(best.score, 4), "camera": read.camera},
    )
    audit.record(
        uow,
        SYSTEM,
        "watch_list_hit.raised",
        "watch_list_hit",
        hit.id,
        data={
            "entry_id": str(entry.id),
            "plate_read_id": str(read.id),
            "booth": booth.code,
            "score": round(best.score, 4),
        },
    )
    return hit_view(hit, entry, booth.code)


# --- reading and deciding ---------------------------------------------------------------


def list_hits(
    uow: UnitOfWork,
    actor: Actor,
    *,
    state: str | None = None,
    booth_code: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Hits at the booths of the caller's org scope (admins: all), newest first."""
    require_role(actor, "officer")
    query = (
        select(WatchListHit, WatchListEntry, Booth.code)
        .join(WatchListEntry, WatchListEntry.id == WatchListHit.entry_id)
        .join(Booth, Booth.id == WatchListHit.booth_id)
        .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
        .order_by(WatchListHit.raised_at.desc(), WatchListHit.id.desc())
        .limit(limit)
    )
    query = scoped(query, actor)
    if state is not None:
        query = query.where(WatchListHit.state == state)
    if booth_code is not None:
        query = query.where(Booth.code == booth_code)
    return [hit_view(h, e, code) for h, e, code in uow.session.execute(query).all()]


def _hit_in_scope(
    uow: UnitOfWork, actor: Actor, hit_id: uuid.UUID, *, lock: bool = False
) -> tuple[WatchListHit, WatchListEntry, Booth]:
    query = (
        select(WatchListHit, WatchListEntry, Booth, OrgUnit.path)
        .join(WatchListEntry, WatchListEntry.id == WatchListHit.entry_id)
        .join(Booth, Booth.id == WatchListHit.booth_id)
        .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
        .where(WatchListHit.id == hit_id)
    )
    if lock:
        query = query.with_for_update(of=WatchListHit)
    row = uow.session.execute(query).first()
    if row is None:
        raise HitUnknown("没有该比中记录", data={"id": str(hit_id)})
    hit, entry, booth, path = row
    require_scope(actor, path)
    return hit, entry, booth


def get_hit(uow: UnitOfWork, actor: Actor, hit_id: uuid.UUID) -> dict[str, Any]:
    """One hit with the read's evidence crop, for the person who decides it."""
    require_role(actor, "officer")
    hit, entry, booth = _hit_in_scope(uow, actor, hit_id)
    view = hit_view(hit, entry, booth.code)
    evidence = None
    if hit.plate_read_id is not None:
        read = uow.session.get(PlateReadRecord, hit.plate_read_id)
        if read is not None:
            evidence = {
                "jpeg_b64": read.evidence_jpeg_b64,
                "box": read.box,
                "frame_size": read.frame_size,
                "char_confidences": read.char_confidences,
                "confidence": read.confidence,
            }
    return {**view, "evidence": evidence}


def _decide(
    uow: UnitOfWork, actor: Actor, hit_id: uuid.UUID, new: str, note: str | None
) -> tuple[WatchListHit, WatchListEntry, Booth]:
    require_role(actor, "officer")
    hit, entry, booth = _hit_in_scope(uow, actor, hit_id, lock=True)
    if not hit_may_decide(hit.state):
        raise HitDecided(
            "该比中已处理",
            data={
                "state": hit.state,
                "decided_by": hit.decided_by,
                "at": iso_or_none(hit.decided_at),
            },
        )
    hit.state = HitState(new)
    hit.decided_by_id = actor.id
    hit.decided_by = actor.name
    hit.decided_at = uow.clock.now()
    hit.note = note
    uow.session.flush()
    audit.record(
        uow,
        actor,
        f"watch_list_hit.{new}",
        "watch_list_hit",
        hit.id,
        reason=note,
        data={"entry_id": str(entry.id), "plate": hit.plate_no, "booth": booth.code},
    )
    return hit, entry, booth


def confirm_hit(
    uow: UnitOfWork, actor: Actor, hit_id: uuid.UUID, note: str | None = None
) -> dict[str, Any]:
    """确认 a pending hit (officer and above, within the booth's scope): its alert is
    acknowledged by the confirmer and ``on_hit_confirmed`` runs."""
    hit, entry, booth = _decide(uow, actor, hit_id, "confirmed", (note or "").strip() or None)
    alerts.settle_subject_alerts(uow, actor, "watch_list_hit", str(hit.id), close=None)
    assert hit.decided_at is not None
    on_hit_confirmed(
        uow,
        actor,
        ConfirmedHit(
            hit_id=hit.id,
            entry_id=entry.id,
            plate_no=hit.plate_no,
            read_plate=hit.read_plate,
            reason_kind=entry.reason_kind,
            reason=entry.reason,
            booth_id=booth.id,
            booth_code=booth.code,
            camera=hit.camera,
            seen_at=hit.seen_at,
            score=hit.score,
            confirmed_by=actor.name,
            confirmed_at=hit.decided_at,
            note=hit.note,
        ),
    )
    return hit_view(hit, entry, booth.code)


def reject_hit(uow: UnitOfWork, actor: Actor, hit_id: uuid.UUID, note: str) -> dict[str, Any]:
    """否定 a pending hit with a note (why it is not the listed vehicle; officer and above,
    within scope): its alert is closed with that note and nothing follows."""
    text = note.strip()
    if len(text) < 2:
        raise NoteRequired("否定比中须填写原因（至少2个字）")
    hit, entry, booth = _decide(uow, actor, hit_id, "rejected", text)
    alerts.settle_subject_alerts(
        uow, actor, "watch_list_hit", str(hit.id), close=f"比中已否定：{text}"
    )
    return hit_view(hit, entry, booth.code)
