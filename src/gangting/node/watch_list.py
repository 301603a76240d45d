"""The booth's offline copy of the watch-list (缉查布控名单) and the local lookout on its
plate reads.

- The copy lives in the node's SQLite (``watch_list_entries`` + one ``watch_list_copy``
  row with the version), so it survives a restart and works while the centre is away. It
  holds what the centre's ``GET /api/v1/booth/watch-list`` gives a booth: entry id, plate,
  reason kind, expiry (no reason text, no owner).
- ``refresh()`` asks for the delta since the version held (the full list when the copy is
  empty, or when the centre answers ``full`` because its data was rebuilt) and applies it
  in one transaction; the in-memory ``MatchIndex`` (``watchlists.rules``, the centre's own
  matching) follows. At start, then every ``GANGTING_WATCH_LIST_REFRESH_S`` and on the
  ``refresh_watch_list`` command.
- A plate read is matched locally before it is queued (``HintingOutboxSink``). A local
  match is only a hint: nothing is shown to citizens, the event carries
  ``watch_list_hint`` (payload minor version 1.1, an optional field a 1.0 reader ignores)
  and the node logs the entry id. The centre matches every read itself and remains the
  authority for hits.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gangting.kernel.clock import Clock, SystemClock
from gangting.node.centre import CentreClient
from gangting.node.errors import CentreUnavailable
from gangting.node.outbox import Outbox
from gangting.node.store import NodeStore
from gangting.plate_reads.schemas import PlateReadEvent
from gangting.watchlists.rules import ListedPlate, Match, MatchIndex, WatchListPolicy

log = logging.getLogger("gangting.node.watch_list")

CENTRE_PATH = "/api/v1/booth/watch-list"
PLATE_READS_PATH = "/api/v1/booth/plate-reads"
HINT_VERSION = "1.1"  # PlateReadEvent 1.0 + the optional watch_list_hint

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS watch_list_entries ("
    " entry_id TEXT PRIMARY KEY, plate_no TEXT NOT NULL, reason_kind TEXT NOT NULL,"
    " expires_at TEXT)",
    "CREATE TABLE IF NOT EXISTS watch_list_copy ("
    " id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL,"
    " changed_at TEXT, refreshed_at TEXT NOT NULL)",
)


class WatchListRefused(CentreUnavailable):
    """The centre answered the watch-list request with a refusal (e.g. a wrong secret)."""

    code = "kiosk.watch_list_refused"


@dataclass(frozen=True)
class Refreshed:
    version: int
    full: bool
    upserts: int
    removals: int
    size: int


def _listed(item: dict[str, Any]) -> ListedPlate:
    expires = item.get("expires_at")
    return ListedPlate(
        uuid.UUID(str(item["id"])),
        str(item["plate_no"]),
        str(item["reason_kind"]),
        datetime.fromisoformat(expires) if expires else None,
    )


class WatchListCopy:
    def __init__(
        self,
        store: NodeStore,
        centre: CentreClient,
        *,
        clock: Clock | None = None,
        policy: WatchListPolicy | None = None,
    ) -> None:
        self._store = store
        self._centre = centre
        self._clock: Clock = clock or SystemClock()
        self._min_score = (policy or WatchListPolicy()).min_score
        self._lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.hints = 0
        with store.transaction() as db:
            for statement in SCHEMA:
                db.execute(statement)
            meta = db.execute("SELECT version FROM watch_list_copy WHERE id = 1").fetchone()
            rows = db.execute(
                "SELECT entry_id AS id, plate_no, reason_kind, expires_at FROM watch_list_entries"
            ).fetchall()
        self._version: int | None = int(meta["version"]) if meta is not None else None
        self._index = MatchIndex(_listed(dict(r)) for r in rows)

    @property
    def version(self) -> int | None:
        """The centre's list version this copy holds (None: never fetched)."""
        return self._version

    def __len__(self) -> int:
        return len(self._index)

    def plates(self) -> list[str]:
        """The plates listed now (a simulated camera's traffic includes them)."""
        now = self._clock.now()
        with self._store.transaction() as db:
            rows = db.execute("SELECT plate_no, expires_at FROM watch_list_entries").fetchall()
        return sorted(
            {
                str(r["plate_no"])
                for r in rows
                if not r["expires_at"] or datetime.fromisoformat(r["expires_at"]) > now
            }
        )

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    # --- bringing the copy up to date

    def refresh(self) -> Refreshed:
        """Fetch and apply the delta (or the full list); ``CentreUnavailable`` when the
        centre is not there, ``WatchListRefused`` when it refuses."""
        with self._refresh_lock:
            query = f"?since_version={self._version}" if self._version else ""
            answer = self._centre.call("GET", CENTRE_PATH + query)
            if not answer.ok:
                raise WatchListRefused(f"watch-list: {answer.status_code} {answer.body}")
            body: dict[str, Any] = answer.body
            full = bool(body.get("full"))
            upserts = [_listed(item) for item in body.get("entries", [])]
            removals = [uuid.UUID(str(r)) for r in body.get("removals", [])]
            version = int(body["version"])
            self._store_answer(full, upserts, removals, version, body.get("changed_at"))
            with self._lock:
                if full:
                    self._index = MatchIndex(upserts)
                else:
                    self._index.apply(upserts, removals)
                changed = full or bool(upserts) or bool(removals) or version != self._version
                self._version = version
                size = len(self._index)
        if changed:
            for listener in self._listeners:
                listener()
        return Refreshed(version, full, len(upserts), len(removals), size)

    def _store_answer(
        self,
        full: bool,
        upserts: list[ListedPlate],
        removals: list[uuid.UUID],
        version: int,
        changed_at: str | None,
    ) -> None:
        with self._store.transaction() as db:
            if full:
                db.execute("DELETE FROM watch_list_entries")
            db.executemany(
                "DELETE FROM watch_list_entries WHERE entry_id = ?", [(str(r),) for r in removals]
            )
            db.executemany(
                "INSERT INTO watch_list_entries (entry_id, plate_no, reason_kind, expires_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT(entry_id) DO UPDATE SET"
                " plate_no=excluded.plate_no, reason_kind=excluded.reason_kind,"
                " expires_at=excluded.expires_at",
                [
                    (
                        str(e.entry_id),
                        e.plate,
                        e.kind,
                        e.expires_at.isoformat() if e.expires_at else None,
                    )
                    for e in upserts
                ],
            )
            db.execute(
                "INSERT INTO watch_list_copy (id, version, changed_at, refreshed_at)"
                " VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET version=excluded.version,"
                " changed_at=excluded.changed_at, refreshed_at=excluded.refreshed_at",
                (version, changed_at, self._clock.now().isoformat()),
            )

    def start(self, every_s: float) -> None:
        """Refresh now, then every ``every_s`` seconds, on a thread of its own (a centre
        that is away is tried again at the next turn)."""
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(every_s,), name="watch-list-refresh", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _run(self, every_s: float) -> None:
        while not self._stop.is_set():
            try:
                self.refresh()
            except CentreUnavailable as exc:
                log.warning("watch-list refresh failed: %s", exc.code)
            except Exception:  # the loop must outlive any one failure
                log.exception("watch-list refresh")
            self._stop.wait(every_s)

    # --- the local lookout

    def match(self, event: PlateReadEvent) -> Match | None:
        """The best entry this read matches (an entry expired by the read's time is not)."""
        with self._lock:
            found = self._index.match(
                event.plate,
                event.char_confidences,
                at=event.first_seen_at,
                min_score=self._min_score,
            )
        return found[0] if found else None


class HintingOutboxSink:
    """The plate-read sink of the node: match the read against the local copy, then keep it
    in the durable outbox (delivered over MQTT or HTTP, whichever the node uses)."""

    def __init__(self, outbox: Outbox, watch_list: WatchListCopy) -> None:
        self._outbox = outbox
        self._watch_list = watch_list

    def emit(self, event: PlateReadEvent) -> None:
        body = event.model_dump(mode="json")
        found = self._watch_list.match(event)
        if found is not None:
            self._watch_list.hints += 1
            body["v"] = HINT_VERSION
            body["watch_list_hint"] = {
                "entry_id": str(found.entry.entry_id),
                "reason_kind": found.entry.kind,
                "score": round(found.score, 4),
                "list_version": self._watch_list.version,
            }
            log.info(
                "local watch-list hint: event %s entry %s (%s, score %.2f)",
                event.event_id,
                found.entry.entry_id,
                found.entry.kind,
                found.score,
            )
        self._outbox.enqueue(PLATE_READS_PATH, body)
