"""Watch-list entries: the version counter booth copies follow, manual entries (add,
withdraw), the staff list, the booths' versioned snapshot, and the centre's match index kept
current from the same deltas. Each write in the caller's unit of work with its audit entry.

Versions: every change of the list locks the one counter row, raises it by one and stamps
the changed rows with the new version, in the same transaction; so versions commit in order
and "the rows with a version above N" is exactly what a copy at N lacks. A reader takes the
counter first and the rows second: it may see a row of a newer version too, which the next
delta sends again (applying a delta twice changes nothing).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from gangting.audit import service as audit
from gangting.config import Settings
from gangting.kernel.actor import Actor
from gangting.kernel.clock import iso_or_none
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.staff.scope import require_scope
from gangting.staff.service import require_booth, require_role, staff_in_scope
from gangting.vehicles.models import Vehicle
from gangting.vehicles.rules import parse_plate, shown_plate
from gangting.watchlists.errors import (
    AlreadyListed,
    EntryDerived,
    EntryUnknown,
    EntryWithdrawn,
    NoteRequired,
    OwnerUnknown,
)
from gangting.watchlists.models import WatchListCounter, WatchListEntry
from gangting.watchlists.rules import (
    REASON_KIND_ZH,
    EntryState,
    ListedPlate,
    Match,
    MatchIndex,
    ReasonKind,
    WatchListPolicy,
    check_manual_entry,
)

COUNTER_ID = 1


def policy_from_settings(settings: Settings) -> WatchListPolicy:
    return WatchListPolicy(
        violation_threshold=settings.watch_list_violation_threshold,
        min_score=settings.watch_list_min_score,
        hit_window_s=settings.watch_list_hit_window_s,
        manual_max_days=settings.watch_list_manual_max_days,
    )


# --- the version counter ----------------------------------------------------------------


def lock_counter(uow: UnitOfWork) -> WatchListCounter:
    """The counter row, locked until the unit of work ends (made on first use; the
    migration makes it). Every writer of the list takes it first."""
    counter = uow.session.execute(
        select(WatchListCounter).where(WatchListCounter.id == COUNTER_ID).with_for_update()
    ).scalar_one_or_none()
    if counter is None:
        counter = WatchListCounter(id=COUNTER_ID, version=0, changed_at=None)
        uow.session.add(counter)
        uow.session.flush()
    return counter


def bump(uow: UnitOfWork, counter: WatchListCounter) -> None:
    """Record that the rows stamped ``counter.version + 1`` are the next version."""
    counter.version += 1
    counter.changed_at = uow.clock.now()
    uow.session.flush()


def current_version(uow: UnitOfWork) -> tuple[int, datetime | None]:
    row = uow.session.execute(
        select(WatchListCounter.version, WatchListCounter.changed_at).where(
            WatchListCounter.id == COUNTER_ID
        )
    ).first()
    return (int(row[0]), row[1]) if row is not None else (0, None)


# --- views ------------------------------------------------------------------------------


def entry_view(entry: WatchListEntry, owner: str | None) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "plate_no": entry.plate_no,
        "plate": shown_plate(entry.plate_no),
        "reason_kind": entry.reason_kind,
        "reason_kind_zh": REASON_KIND_ZH.get(entry.reason_kind, entry.reason_kind),
        "reason": entry.reason,
        "legal_basis": entry.legal_basis,
        "source": {"kind": entry.source_kind, "ref": entry.source_ref},
        "facts": entry.facts,
        "vehicle_id": str(entry.vehicle_id) if entry.vehicle_id is not None else None,
        "owner": owner,
        "state": entry.state,
        "created_at": iso_or_none(entry.created_at),
        "created_by": entry.created_by,
        "expires_at": iso_or_none(entry.expires_at),
        "withdrawn_at": iso_or_none(entry.withdrawn_at),
        "withdrawn_by": entry.withdrawn_by,
        "withdrawn_reason": entry.withdrawn_reason,
        "version": entry.version,
    }


def booth_entry(entry: WatchListEntry) -> dict[str, Any]:
    """What a booth's copy holds of an entry: enough to match, nothing more (no reason
    text, no owner: the booth raises nothing itself but a local lookout)."""
    return {
        "id": str(entry.id),
        "plate_no": entry.plate_no,
        "reason_kind": entry.reason_kind,
        "expires_at": iso_or_none(entry.expires_at),
    }


def _listed(entry: WatchListEntry) -> ListedPlate:
    return ListedPlate(entry.id, entry.plate_no, entry.reason_kind, entry.expires_at)


# --- manual entries ---------------------------------------------------------------------


def _staff_in_scope(uow: UnitOfWork, actor: Actor, username: str) -> StaffAccount:
    account, _path = staff_in_scope(uow, actor, username, OwnerUnknown)
    return account


def add_manual_entry(
    uow: UnitOfWork,
    actor: Actor,
    *,
    plate_text: str,
    reason: str,
    owner: str | None,
    expires_at: datetime | None,
    policy: WatchListPolicy,
) -> dict[str, Any]:
    """人工布控 (supervisor and above): a plate with a reason, an owner within the
    supervisor's scope and an expiry (``rules.check_manual_entry``). One active manual
    entry per plate (``watchlists.already_listed`` otherwise)."""
    require_role(actor, "supervisor")
    plate = parse_plate(plate_text)
    now = uow.clock.now()
    text = check_manual_entry(reason, owner, expires_at, now, policy)
    assert owner is not None
    account = _staff_in_scope(uow, actor, owner.strip())
    counter = lock_counter(uow)
    existing = uow.session.execute(
        select(WatchListEntry.id).where(
            WatchListEntry.plate_no == plate.value,
            WatchListEntry.reason_kind == ReasonKind.MANUAL,
            WatchListEntry.state == "active",
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise AlreadyListed(
            "该号牌已在人工布控中", data={"plate": shown_plate(plate.value), "id": str(existing)}
        )
    vehicle_id = uow.session.execute(
        select(Vehicle.id).where(Vehicle.plate_no == plate.value)
    ).scalar_one_or_none()
    entry = WatchListEntry(
        plate_no=plate.value,
        reason_kind=ReasonKind.MANUAL.value,
        reason=text,
        legal_basis=[],
        source_kind="staff",
        source_ref=actor.name,
        facts={},
        vehicle_id=vehicle_id,
        owner_id=account.id,
        state="active",
        created_at=now,
        created_by=actor.name,
        expires_at=expires_at,
        version=counter.version + 1,
    )
    uow.session.add(entry)
    uow.session.flush()
    bump(uow, counter)
    audit.record(
        uow,
        actor,
        "watch_list_entry.added",
        "watch_list_entry",
        entry.id,
        reason=text,
        data={
            "plate": plate.value,
            "owner": account.username,
            "expires_at": iso_or_none(expires_at),
            "version": entry.version,
        },
    )
    return entry_view(entry, account.username)


def withdraw_entry(
    uow: UnitOfWork, actor: Actor, entry_id: uuid.UUID, reason: str
) -> dict[str, Any]:
    """撤控 of a manual entry (supervisor and above whose scope covers the owner, or the
    owner): with a reason. A derived entry follows the records and cannot be withdrawn by
    hand (``watchlists.entry_derived``)."""
    require_role(actor, "supervisor")
    text = reason.strip()
    if len(text) < 2:
        raise NoteRequired("撤控须填写事由（至少2个字）")
    counter = lock_counter(uow)
    row = uow.session.execute(
        select(WatchListEntry, StaffAccount.username, OrgUnit.path)
        .outerjoin(StaffAccount, StaffAccount.id == WatchListEntry.owner_id)
        .outerjoin(OrgUnit, OrgUnit.id == StaffAccount.org_unit_id)
        .where(WatchListEntry.id == entry_id)
    ).first()
    if row is None:
        raise EntryUnknown("没有该布控条目", data={"id": str(entry_id)})
    entry, owner, owner_path = row
    if entry.reason_kind != ReasonKind.MANUAL:
        raise EntryDerived(
            "该条目由业务记录自动生成，记录变化后自动撤控，不能人工撤控",
            data={"reason_kind": entry.reason_kind},
        )
    if entry.state != "active":
        raise EntryWithdrawn(
            "该布控条目已撤控", data={"withdrawn_at": iso_or_none(entry.withdrawn_at)}
        )
    if entry.owner_id != actor.id:
        require_scope(actor, owner_path or "/")
    entry.state = EntryState.WITHDRAWN
    entry.withdrawn_at = uow.clock.now()
    entry.withdrawn_by = actor.name
    entry.withdrawn_reason = text
    entry.version = counter.version + 1
    uow.session.flush()
    bump(uow, counter)
    audit.record(
        uow,
        actor,
        "watch_list_entry.withdrawn",
        "watch_list_entry",
        entry.id,
        reason=text,
        data={"plate": entry.plate_no, "version": entry.version},
    )
    return entry_view(entry, owner)


def list_entries(
    uow: UnitOfWork,
    actor: Actor,
    *,
    plate_text: str | None = None,
    kind: str | None = None,
    state: str | None = "active",
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """The list as staff see it (officer and above), newest first, ``limit`` entries from
    ``offset`` and the ``total`` that match. The list is one for the whole city (every
    booth holds all of it), so it is not cut by org unit."""
    require_role(actor, "officer")
    query = select(WatchListEntry, StaffAccount.username).outerjoin(
        StaffAccount, StaffAccount.id == WatchListEntry.owner_id
    )
    if plate_text:
        query = query.where(WatchListEntry.plate_no == parse_plate(plate_text).value)
    if kind is not None:
        query = query.where(WatchListEntry.reason_kind == kind)
    if state is not None:
        query = query.where(WatchListEntry.state == state)
    version, _ = current_version(uow)
    total = uow.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = uow.session.execute(
        query.order_by(WatchListEntry.created_at.desc(), WatchListEntry.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return {
        "version": version,
        "total": total,
        "entries": [entry_view(e, owner) for e, owner in rows],
    }


# --- the booths' snapshot ---------------------------------------------------------------


def snapshot(uow: UnitOfWork, since_version: int | None) -> dict[str, Any]:
    """The list for a copy at ``since_version``.

    Full (``full: true``, every active unexpired entry) when the copy has nothing (None or
    0) or claims a version this centre never had (above the current one: the centre's data
    was rebuilt). Otherwise a delta: ``entries`` added or changed since, ``removals`` the ids
    withdrawn since (an id the copy never had is simply ignored). ``version`` is what the
    copy holds after applying the answer.
    """
    version, changed_at = current_version(uow)
    now = uow.clock.now()
    base: dict[str, Any] = {"version": version, "changed_at": iso_or_none(changed_at)}
    if not since_version or since_version > version:
        rows = uow.session.execute(
            select(WatchListEntry)
            .where(
                WatchListEntry.state == "active",
                or_(WatchListEntry.expires_at.is_(None), WatchListEntry.expires_at > now),
            )
            .order_by(WatchListEntry.plate_no, WatchListEntry.id)
        ).scalars()
        return {**base, "full": True, "entries": [booth_entry(e) for e in rows], "removals": []}
    changed = uow.session.execute(
        select(WatchListEntry)
        .where(WatchListEntry.version > since_version)
        .order_by(WatchListEntry.version, WatchListEntry.id)
    ).scalars()
    entries: list[dict[str, Any]] = []
    removals: list[str] = []
    for entry in changed:
        if entry.state == "active":
            entries.append(booth_entry(entry))
        else:
            removals.append(str(entry.id))
    return {
        **base,
        "full": False,
        "since_version": since_version,
        "entries": entries,
        "removals": removals,
    }


def booth_snapshot(uow: UnitOfWork, actor: Actor, since_version: int | None) -> dict[str, Any]:
    """GET /booth/watch-list: the logged-in booth's copy (booths only)."""
    require_booth(actor)
    return snapshot(uow, since_version)


# --- the centre's match index -----------------------------------------------------------


class IndexCache:
    """The centre's match index of the active entries, brought up to date before each use
    from the version counter: unchanged -> as it is; newer -> the delta since the version it
    holds; another database or an older or rewritten version -> reloaded in full.

    Use it only in a unit of work that does not change the list itself (it must never hold
    a version that could still roll back). Thread-safe: one lock around refresh and match.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index = MatchIndex()
        self._source: str | None = None
        self._version = -1
        self._changed_at: datetime | None = None

    def _refresh(self, uow: UnitOfWork) -> None:
        source = uow.session.get_bind().engine.url.render_as_string(hide_password=True)
        version, changed_at = current_version(uow)
        same_db = source == self._source
        if same_db and version == self._version and changed_at == self._changed_at:
            return
        if same_db and version > self._version >= 0:
            changed = uow.session.execute(
                select(WatchListEntry).where(WatchListEntry.version > self._version)
            ).scalars()
            upserts, removals = [], []
            for entry in changed:
                if entry.state == "active":
                    upserts.append(_listed(entry))
                else:
                    removals.append(entry.id)
            self._index.apply(upserts, removals)
        else:
            rows = uow.session.execute(
                select(WatchListEntry).where(WatchListEntry.state == "active")
            ).scalars()
            self._index = MatchIndex(_listed(e) for e in rows)
        self._source, self._version, self._changed_at = source, version, changed_at

    def match(
        self,
        uow: UnitOfWork,
        plate: str,
        confidences: Sequence[float] | None,
        *,
        at: datetime,
        min_score: float,
    ) -> list[Match]:
        with self._lock:
            self._refresh(uow)
            return self._index.match(plate, confidences, at=at, min_score=min_score)

    def matches_any(
        self,
        uow: UnitOfWork,
        reads: Sequence[tuple[str, Sequence[float] | None, datetime]],
        *,
        min_score: float,
    ) -> list[bool]:
        """For each ``(plate, confidences, at)``: does anything match? One refresh for all."""
        with self._lock:
            self._refresh(uow)
            return [
                bool(self._index.match(plate, conf, at=at, min_score=min_score))
                for plate, conf, at in reads
            ]

    @property
    def size(self) -> int:
        return len(self._index)


INDEX_CACHE = IndexCache()
