"""Live events from committed changes: what the screen follows (booth states, plate reads,
alerts, hits, help calls, instructions, remote commands) is published after each commit
that changed it, whichever process and path made the change (an HTTP request, the MQTT
ingest, a sweep), without each domain having to remember to publish.

How: SQLAlchemy session events, registered once per process. ``after_flush`` notes the
watched rows a unit of work inserted or changed (and ``do_orm_execute`` the remote commands
moved by a bulk UPDATE); ``after_commit`` copies what it noted into plain values and hands
them to one worker thread; a rollback (of the whole unit of work) drops them. The worker
builds each view with the owning domain's view function (re-reading a row in a fresh
session when the copy is incomplete) and publishes it through ``live.publish_live``. So an
event never describes a change that rolled back, and the committing request waits for
nothing. While no live sink accepts events (no broker), nothing is noted at all.

Events a domain wants to send that are not row changes it publishes itself
(``live.publish_live_after_commit``), as remote assist does.
"""

from __future__ import annotations

import copy
import logging
import queue
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from gangting.alerts.models import Alert
from gangting.alerts.service import alert_view
from gangting.booths.commands import command_view
from gangting.booths.models import Booth, BoothCommand, BoothState, HelpCall
from gangting.command_centre import live
from gangting.command_centre.live_rules import Role
from gangting.command_centre.views import BoothInfo, ScreenPolicy, booth_info, booth_view
from gangting.instructions.models import Instruction, InstructionTarget
from gangting.instructions.views import instruction_view
from gangting.kernel.actor import SYSTEM
from gangting.kernel.clock import SystemClock
from gangting.plate_reads.models import PlateReadRecord
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.watchlists.hits import hit_view
from gangting.watchlists.models import WatchListEntry, WatchListHit
from gangting.watchlists.service import shown_plate

log = logging.getLogger("gangting.command_centre.changes")
_KEY = "gangting.live_changes"
_WALL = SystemClock()
# What an event is built into: kind, view, org path, booth, least role, audience.
Built = tuple[str, dict[str, Any], str | None, str | None, Role, tuple[str, ...]]

WATCHED: dict[type[Any], str] = {
    BoothState: "booth_state",
    PlateReadRecord: "plate_read",
    Alert: "alert",
    WatchListHit: "hit",
    HelpCall: "help_call",
    Instruction: "instruction",
    BoothCommand: "booth_command",
}


@dataclass(frozen=True)
class Change:
    """One committed row change: its model and key, and a copy of its column values
    (None: read it again)."""

    model: type[Any]
    pk: uuid.UUID
    values: dict[str, Any] | None


_Slot = tuple[type[Any], uuid.UUID]


def _slot(change: Change) -> _Slot | None:
    """Where a change waits for its booth's turn: booth states by booth, plate reads by
    the booth that read them; None: it goes out at once."""
    if change.model is BoothState:
        return (BoothState, change.pk)
    if change.model is PlateReadRecord and change.values is not None:
        booth_id = change.values.get("booth_id")
        if isinstance(booth_id, uuid.UUID):
            return (PlateReadRecord, booth_id)
    return None


class _Directory:
    """Booths and org units by id, remembered for ``ttl_s`` (they rarely change)."""

    def __init__(self, ttl_s: float = 60.0) -> None:
        self._ttl_s = ttl_s
        self._booths: dict[uuid.UUID, tuple[float, BoothInfo]] = {}
        self._units: dict[uuid.UUID, tuple[float, str, str]] = {}

    def booth(self, session: Session, booth_id: uuid.UUID) -> BoothInfo | None:
        item = self._booths.get(booth_id)
        if item is not None and item[0] > time.monotonic():
            return item[1]
        row = session.execute(
            select(Booth, OrgUnit)
            .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
            .where(Booth.id == booth_id)
        ).first()
        if row is None:
            return None
        info = booth_info(*row)
        if len(self._booths) > 50_000:
            self._booths.clear()
        self._booths[booth_id] = (time.monotonic() + self._ttl_s, info)
        return info

    def unit(self, session: Session, unit_id: uuid.UUID) -> tuple[str, str] | None:
        """(code, path) of an org unit."""
        item = self._units.get(unit_id)
        if item is not None and item[0] > time.monotonic():
            return item[1], item[2]
        unit = session.get(OrgUnit, unit_id)
        if unit is None:
            return None
        self._units[unit_id] = (time.monotonic() + self._ttl_s, unit.code, unit.path)
        return unit.code, unit.path


class _Reader:
    """A fresh session on the committing engine, opened only when a view needs a read."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(self._engine, expire_on_commit=False, autoflush=False)
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.rollback()
            self._session.close()
            self._session = None


class ChangeFeed:
    """The worker that turns committed changes into live events (one per process).

    A booth's state is published at most once per ``state_interval_s`` and a booth's plate
    reads at most once per ``read_interval_s`` (the latest wins; the last one always goes
    out): a booth reporting many readings a second, or a camera on a busy road, costs the
    screens a few events, not one per row. The screen shows the latest reads of each booth;
    every read stays in the plate-read list (``GET /api/v1/plate-reads``), and a read that
    hits the watch-list is its own event (``hit``). Everything else goes out at once.
    """

    def __init__(
        self,
        policy: ScreenPolicy | None = None,
        *,
        state_interval_s: float = 0.25,
        read_interval_s: float = 0.5,
    ) -> None:
        self.policy = policy or ScreenPolicy()
        self.state_interval_s = state_interval_s
        self.read_interval_s = read_interval_s
        self.stats: Counter[str] = Counter()
        self._queue: queue.Queue[tuple[Engine, list[Change]] | None] = queue.Queue(maxsize=10_000)
        self._directory = _Directory()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        # (model, booth id) -> (engine, latest change) waiting for its turn; when each one
        # last went out
        self._held: dict[_Slot, tuple[Engine, Change]] = {}
        self._sent_at: dict[_Slot, float] = {}

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="live-changes", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout_s)
        self._thread = None

    def submit(self, engine: Engine, changes: list[Change]) -> None:
        self._idle.clear()
        try:
            self._queue.put_nowait((engine, changes))
        except queue.Full:
            self.stats["dropped_backlog"] += len(changes)

    def drain(self, timeout_s: float = 5.0) -> bool:
        """Wait until every submitted change was published (tests)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._queue.empty() and self._idle.is_set():
                return True
            time.sleep(0.01)
        return False

    def _run(self) -> None:
        while True:
            wait_s = self._next_state_in(time.monotonic())
            try:
                item = self._queue.get(timeout=wait_s)
                timed_out = False
            except queue.Empty:
                item, timed_out = None, True  # a held booth state is due
            if item is None and not timed_out:
                self._flush_states(force=True)
                return
            if item is not None:
                engine, changes = item
                others: list[Change] = []
                for change in changes:
                    slot = _slot(change)
                    if slot is None:
                        others.append(change)
                        continue
                    if slot in self._held:
                        self.stats["coalesced"] += 1
                    self._held[slot] = (engine, change)
                self._publish_batch(engine, others)
            self._flush_states(force=False)
            if self._queue.empty() and not self._held:
                self._idle.set()

    def _next_state_in(self, now: float) -> float | None:
        if not self._held:
            return None
        due = min(self._sent_at.get(k, 0.0) + self._interval(k) for k in self._held)
        return max(0.0, due - now)

    def _interval(self, slot: _Slot) -> float:
        return self.state_interval_s if slot[0] is BoothState else self.read_interval_s

    def _flush_states(self, *, force: bool) -> None:
        now = time.monotonic()
        due = [
            slot
            for slot in self._held
            if force or self._sent_at.get(slot, 0.0) + self._interval(slot) <= now
        ]
        for slot in due:
            engine, change = self._held.pop(slot)
            self._sent_at[slot] = now
            self._publish_batch(engine, [change])
        if len(self._sent_at) > 100_000:
            self._sent_at.clear()

    def _publish_batch(self, engine: Engine, changes: list[Change]) -> None:
        if not changes:
            return
        reader = _Reader(engine)
        try:
            self.publish_changes(reader, changes)
        except Exception:
            self.stats["failed"] += 1
            log.exception("live events from %d changes failed", len(changes))
        finally:
            reader.close()

    # --- building events

    def publish_changes(self, reader: _Reader, changes: list[Change]) -> None:
        latest_state: dict[uuid.UUID, Change] = {}
        others: list[Change] = []
        for change in changes:
            if change.model is BoothState:
                latest_state[change.pk] = change  # one event per booth per commit
            else:
                others.append(change)
        for change in [*latest_state.values(), *others]:
            try:
                built = self._build(reader, change)
            except Exception:
                self.stats["failed"] += 1
                log.exception("live event for %s %s not built", change.model.__name__, change.pk)
                continue
            if built is None:
                self.stats["skipped"] += 1
                continue
            kind, data, org_path, booth, min_role, audience = built
            if live.publish_live(
                kind, data, org_path=org_path, booth=booth, min_role=min_role, audience=audience
            ):
                self.stats[kind] += 1

    def _row(self, reader: _Reader, change: Change) -> Any:
        """A detached instance with the change's values (or the row read again)."""
        if change.values is not None:
            return change.model(**change.values)
        return reader.session.get(change.model, change.pk)

    def _build(self, reader: _Reader, change: Change) -> Built | None:
        row = self._row(reader, change)
        if row is None:
            return None
        s = reader.session
        if isinstance(row, BoothState):
            info = self._directory.booth(s, row.booth_id)
            if info is None:
                return None
            view = booth_view(
                info,
                values=row.values,
                availability=row.availability,
                reported=row.reported,
                last_reported_at=row.last_reported_at,
                last_changed_at=row.last_changed_at,
                # the booth just reported: judge it as of that report
                now=row.last_reported_at or _WALL.now(),
                policy=self.policy,
            )
            return "booth_state", view, info.org_path, info.code, "officer", ()
        if isinstance(row, PlateReadRecord):
            info = self._directory.booth(s, row.booth_id)
            if info is None:
                return None
            return (
                "plate_read",
                plate_read_view(row, info.code),
                info.org_path,
                info.code,
                "officer",
                (),
            )
        if isinstance(row, Alert):
            unit = self._directory.unit(s, row.org_unit_id)
            if unit is None:
                return None
            info = self._directory.booth(s, row.booth_id) if row.booth_id else None
            code = info.code if info is not None else None
            return "alert", alert_view(row, code, unit[0]), unit[1], code, "officer", ()
        if isinstance(row, WatchListHit):
            info = self._directory.booth(s, row.booth_id)
            entry = s.get(WatchListEntry, row.entry_id)
            if info is None or entry is None:
                return None
            view = hit_view(row, entry, info.code)
            return "hit", view, info.org_path, info.code, "officer", ()
        if isinstance(row, HelpCall):
            info = self._directory.booth(s, row.booth_id)
            if info is None:
                return None
            view = {
                "id": str(row.id),
                "booth": info.code,
                "booth_name": info.name,
                "kind": row.kind,
                "note": row.note,
                "state": row.state,
                "called_at": row.called_at.isoformat(),
            }
            return "help_call", view, info.org_path, info.code, "officer", ()
        if isinstance(row, Instruction):
            return self._instruction(reader, row.id)
        if isinstance(row, BoothCommand):
            info = self._directory.booth(s, row.booth_id)
            if info is None:
                return None
            return (
                "booth_command",
                command_view(row, info.code),
                info.org_path,
                info.code,
                "officer",
                (),
            )
        return None

    def _instruction(self, reader: _Reader, instruction_id: uuid.UUID) -> Built | None:
        """Instructions are always read again: their view needs every target."""
        s = reader.session
        instruction = s.get(Instruction, instruction_id)
        if instruction is None:
            return None
        unit = s.get(OrgUnit, instruction.org_unit_id)
        if unit is None:
            return None
        booth = self._directory.booth(s, instruction.booth_id) if instruction.booth_id else None
        targets = list(
            s.execute(
                select(InstructionTarget)
                .where(InstructionTarget.instruction_id == instruction.id)
                .order_by(InstructionTarget.username)
            ).scalars()
        )
        code = booth.code if booth is not None else None
        issuer = s.get(StaffAccount, instruction.issued_by_id) if instruction.issued_by_id else None
        view = instruction_view(
            instruction, unit, code, targets, SYSTEM, issuer.name if issuer is not None else None
        )
        view["mine"] = None
        # Officers see only instructions sent to them (instructions.views): the live feed
        # of instructions is for supervisors and above, and for the officers it went to
        # (their phones reload their own view of it).
        audience = tuple(sorted({t.username for t in targets}))
        return "instruction", view, unit.path, code, "supervisor", audience


def plate_read_view(row: PlateReadRecord, booth_code: str) -> dict[str, Any]:
    """A plate read for the live feed (as the plate-read list shows it, without the crop)."""

    def iso(at: Any) -> str | None:
        return at.isoformat() if at is not None else None

    return {
        "id": str(row.id),
        "event_id": str(row.event_id),
        "booth": booth_code,
        "camera": row.camera,
        "plate_no": row.plate_no,
        "plate": shown_plate(row.plate_no),
        "colour": row.colour,
        "plate_type": row.plate_type,
        "confidence": row.confidence,
        "frames": row.frames,
        "agreeing": row.agreeing,
        "first_seen_at": iso(row.first_seen_at),
        "last_seen_at": iso(row.last_seen_at),
        "received_at": iso(row.received_at),
        "has_evidence": bool(row.evidence_jpeg_b64),
        "vehicle_id": str(row.vehicle_id) if row.vehicle_id is not None else None,
    }


# --- the session events (registered once per process) ------------------------------------

_lock = threading.Lock()
_feeds: list[ChangeFeed] = []
_registered = [False]


def _feed() -> ChangeFeed | None:
    return _feeds[-1] if _feeds else None


def _note(session: Session, model: type[Any], pk: Any, obj: Any) -> None:
    if not isinstance(pk, uuid.UUID):
        return
    pending: dict[tuple[type[Any], uuid.UUID], Any] = session.info.setdefault(_KEY, {})
    key = (model, pk)
    if obj is None:
        pending[key] = None  # a bulk change, or a view that needs more: read the row again
    elif key not in pending:
        pending[key] = obj


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    if _feed() is None or not live.accepting():
        return
    try:
        for obj in (*session.new, *session.dirty):
            model = type(obj)
            if model in WATCHED:
                _note(
                    session, model, getattr(obj, "booth_id" if model is BoothState else "id"), obj
                )
            elif model is InstructionTarget:
                _note(session, Instruction, obj.instruction_id, None)
    except Exception:
        log.exception("live change capture failed (after flush)")


def _bulk_update(state: ORMExecuteState) -> None:
    """Remote commands move by a compare-and-set UPDATE (booths.commands): note their ids."""
    if not (state.is_update and _feed() is not None and live.accepting()):
        return
    try:
        mapper = state.bind_mapper
        if mapper is None or mapper.class_ is not BoothCommand:
            return
        statement: Any = state.statement
        for value in statement.compile().params.values():
            if isinstance(value, uuid.UUID):
                _note(state.session, BoothCommand, value, None)
    except Exception:
        log.exception("live change capture failed (bulk update)")


def _copy(obj: Any) -> dict[str, Any] | None:
    """The column values of a persistent row as this unit of work left it; None when one
    must be read again (expired: a server default, a savepoint rolled back). A column a
    new row never set was inserted as NULL."""
    state = inspect(obj)
    expired = state.expired_attributes
    values: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in state.dict:
            values[attr.key] = copy.copy(state.dict[attr.key])
        elif attr.key in expired:
            return None
        else:
            values[attr.key] = None
    return values


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released (SQLAlchemy fires after_commit for those too)
    pending: dict[tuple[type[Any], uuid.UUID], Any] | None = session.info.pop(_KEY, None)
    feed = _feed()
    if not pending or feed is None:
        return
    try:
        changes: list[Change] = []
        for (model, pk), obj in pending.items():
            if obj is None:
                changes.append(Change(model, pk, None))
                continue
            state = inspect(obj)
            if state.transient or state.deleted or state.was_deleted:
                continue  # inserted in a savepoint that rolled back, or deleted
            changes.append(Change(model, pk, _copy(obj)))
        bind = session.get_bind()
        if changes and isinstance(bind, Engine):
            feed.submit(bind, changes)
        elif changes:
            feed.submit(bind.engine, changes)
    except Exception:
        log.exception("live change capture failed (after commit)")


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_KEY, None)  # rolled back or closed without a commit


def _register() -> None:
    if _registered[0]:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _bulk_update)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    _registered[0] = True


def install_feed(feed: ChangeFeed) -> Callable[[], None]:
    """Start publishing committed changes through ``feed`` (the latest installed wins);
    returns the function that stops it again."""
    with _lock:
        _register()
        _feeds.append(feed)

    def remove() -> None:
        with _lock:
            if feed in _feeds:
                _feeds.remove(feed)

    return remove
