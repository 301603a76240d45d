"""Store-and-forward for what may wait (ratings, help calls, telemetry, printed-receipt
records): written to the node SQLite first, then replayed to the centre with the same
idempotency key until the centre gives a definitive answer (2xx, or a 4xx a retry cannot
change). No answer or a 5xx: try again later, with backoff. Nothing lost, nothing doubled.

Some kinds may travel another way (``deliver_elsewhere``: plate reads, help calls and
telemetry over MQTT when the node has a broker, ``node/mqtt_runtime.py``): the HTTP drainer
then leaves those rows to that deliverer, which marks them done once the broker has
acknowledged them. One path per kind, never both.

A delivered row (``done``) records when it was settled and is deleted some hours later
(``prune_delivered``, from the node's background loop); a pending row is never deleted, and
a refused one stays for someone to look at: it keeps the centre's error code and message,
``refused()`` lists them, the node's status counts them, and the node reports the count of
the last day's refusals as telemetry (``outbox_refused``) so the centre raises a fault
alert. Nothing is dropped quietly.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from gangting.kernel.clock import Clock, SystemClock
from gangting.node.centre import CentreClient
from gangting.node.errors import CentreUnavailable
from gangting.node.store import NodeStore

log = logging.getLogger("gangting.node.outbox")


@dataclass(frozen=True)
class Drained:
    delivered: int = 0
    refused: int = 0
    waiting: int = 0


# A refusal shows as the booth's fault (telemetry ``outbox_refused``) for a day.
REFUSED_REPORTED_S = 24 * 3600
PRUNE_BATCH = 500  # rows per transaction: the kiosk's own writes wait at most one batch


class Outbox:
    def __init__(
        self,
        store: NodeStore,
        centre: CentreClient,
        *,
        max_backoff_s: float = 60.0,
        clock: Clock | None = None,
    ) -> None:
        self._store = store
        self._centre = centre
        # When a row was settled and how old a delivered row is (the backoff keeps its
        # own pace on the system time).
        self._clock: Clock = clock or SystemClock()
        self._max_backoff_s = max_backoff_s
        self._wake = threading.Event()
        self._drain_lock = threading.Lock()
        self._elsewhere: tuple[str, ...] = ()
        self._listeners: list[Callable[[], None]] = []
        self._refusal_listeners: list[Callable[[], None]] = []

    def deliver_elsewhere(self, paths: Iterable[str]) -> None:
        """Rows for these paths are delivered by another deliverer; the HTTP drainer skips
        them (``pending_for`` and ``mark`` are that deliverer's side)."""
        self._elsewhere = tuple(sorted(set(paths)))

    def on_enqueue(self, listener: Callable[[], None]) -> None:
        """Called (on the enqueuing thread, after the commit) for every new row."""
        self._listeners.append(listener)

    def on_refused(self, listener: Callable[[], None]) -> None:
        """Called (on the draining thread) after a drain in which the centre refused rows."""
        self._refusal_listeners.append(listener)

    def enqueue(self, path: str, body: dict[str, Any]) -> str:
        """Keep the report durably with its key; the drainer sends it."""
        key = f"{self._centre.booth_code}:outbox:{uuid.uuid4().hex}"
        now = time.time()
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO outbox (path, body, key, next_at, created_at) VALUES (?,?,?,?,?)",
                (path, json.dumps(body, ensure_ascii=False), key, now, now),
            )
        self._wake.set()
        for listener in self._listeners:
            listener()
        return key

    def pending(self) -> int:
        with self._store.transaction() as db:
            row = db.execute("SELECT count(*) AS n FROM outbox WHERE state='pending'").fetchone()
        return int(row["n"])

    def refused_count(self, within_s: float = REFUSED_REPORTED_S) -> int:
        """Rows the centre refused in the last ``within_s`` seconds (the booth's fault shows
        this long; the rows themselves stay)."""
        since = self._clock.now().timestamp() - within_s
        with self._store.transaction() as db:
            row = db.execute(
                "SELECT count(*) AS n FROM outbox WHERE state='refused' AND settled_at >= ?",
                (since,),
            ).fetchone()
        return int(row["n"])

    def refused(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest refused rows: what was sent, when, and the centre's answer."""
        with self._store.transaction() as db:
            rows = db.execute(
                "SELECT id, path, created_at, settled_at, last_status, last_error FROM outbox"
                " WHERE state='refused' ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            {
                "id": r["id"],
                "path": r["path"],
                "created_at": r["created_at"],
                "settled_at": r["settled_at"],
                "status": r["last_status"],
                "error": r["last_error"],
            }
            for r in rows
        ]

    def drain_once(self, *, force: bool = False) -> Drained:
        """Send every due item, oldest first; stop at the first "centre not there"."""
        with self._drain_lock:
            now = time.time()
            skip = self._elsewhere
            with self._store.transaction() as db:
                rows = db.execute(
                    "SELECT id, path, body, key, attempts FROM outbox WHERE state='pending'"
                    + ("" if force else " AND next_at <= ?")
                    + (f" AND path NOT IN ({','.join('?' * len(skip))})" if skip else "")
                    + " ORDER BY id",
                    (() if force else (now,)) + skip,
                ).fetchall()
            delivered = refused = 0
            for i, row in enumerate(rows):
                try:
                    answer = self._centre.call(
                        "POST", row["path"], json.loads(row["body"]), key=row["key"]
                    )
                except CentreUnavailable as exc:
                    self._later(rows[i:], str(exc.data.get("detail", "")))
                    self._tell_refused(refused)
                    return Drained(delivered, refused, len(rows) - i)
                if answer.definitive:
                    error = None
                    if not answer.ok:
                        log.warning("outbox %s refused by the centre: %s", row["path"], answer.body)
                        error = _refusal(answer.body)
                    self._finish(
                        row["id"], "done" if answer.ok else "refused", answer.status_code, error
                    )
                    delivered += answer.ok
                    refused += not answer.ok
                else:
                    self._later([row], f"status {answer.status_code}")
            self._tell_refused(refused)
            return Drained(delivered, refused, 0)

    def _tell_refused(self, refused: int) -> None:
        if refused:
            for listener in self._refusal_listeners:
                listener()

    def pending_for(self, paths: Iterable[str], *, after_id: int, limit: int) -> list[Any]:
        """Pending rows for ``paths`` with an id above ``after_id``, oldest first."""
        wanted = tuple(paths)
        with self._store.transaction() as db:
            rows: list[Any] = db.execute(
                "SELECT id, path, body, key FROM outbox WHERE state='pending' AND id > ?"
                f" AND path IN ({','.join('?' * len(wanted))}) ORDER BY id LIMIT ?",
                (after_id, *wanted, limit),
            ).fetchall()
        return rows

    def mark(self, item_ids: Iterable[int], state: str, error: str | None = None) -> None:
        """Settle rows another deliverer handled: ``done`` (taken) or ``refused``."""
        ids = list(item_ids)
        note = (error or "")[:200] or None
        at = self._clock.now().timestamp()
        with self._store.transaction() as db:
            db.executemany(
                "UPDATE outbox SET state=?, last_error=?, attempts=attempts+1, settled_at=?"
                " WHERE id=? AND state='pending'",
                [(state, note, at, i) for i in ids],
            )
        if state == "refused":
            self._tell_refused(len(ids))

    def prune_delivered(
        self, keep_s: float, *, batch: int = PRUNE_BATCH, max_batches: int = 20
    ) -> int:
        """Delete delivered rows settled more than ``keep_s`` seconds ago, ``batch`` rows a
        transaction, at most ``max_batches`` a call (the rest next time); how many. Only
        ``done`` rows: pending and refused ones stay. A row from before ``settled_at`` was
        recorded counts from when it was written."""
        cutoff = self._clock.now().timestamp() - keep_s
        deleted = 0
        for _ in range(max_batches):
            with self._store.transaction() as db:
                n = db.execute(
                    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state='done'"
                    " AND coalesce(settled_at, created_at) < ? ORDER BY id LIMIT ?)",
                    (cutoff, batch),
                ).rowcount
            deleted += n
            if n < batch:
                break
        return deleted

    def _finish(self, item_id: int, state: str, status: int, error: str | None = None) -> None:
        with self._store.transaction() as db:
            db.execute(
                "UPDATE outbox SET state=?, last_status=?, last_error=?, attempts=attempts+1,"
                " settled_at=? WHERE id=?",
                (state, status, error, self._clock.now().timestamp(), item_id),
            )

    def _later(self, rows: list[Any], error: str) -> None:
        now = time.time()
        with self._store.transaction() as db:
            for row in rows:
                delay = min(self._max_backoff_s, 2.0 ** min(int(row["attempts"]), 10))
                db.execute(
                    "UPDATE outbox SET attempts=attempts+1, next_at=?, last_error=? WHERE id=?",
                    (now + delay, error[:200], row["id"]),
                )

    def wake(self) -> None:
        self._wake.set()

    def wait(self, timeout_s: float) -> None:
        """Sleep until something is enqueued or the timeout passes (the drainer's pace)."""
        self._wake.wait(timeout_s)
        self._wake.clear()


def _refusal(body: Any) -> str:
    """The centre's error code and message, as kept on a refused row."""
    if isinstance(body, dict) and body.get("error"):
        return f"{body['error']}: {body.get('message', '')}"[:200]
    return json.dumps(body, ensure_ascii=False)[:200]
