"""The kiosk's mode as the centre sets it by remote command: in service or locked
(暂停服务), and the announcement banner.

- Locked: the kiosk refuses new sessions (``kiosk.locked``, 503) and shows its "暂停服务"
  screen once the citizen at it has finished; a session already running — a payment half
  way — is never cut off. A session the browser resumes with unanswered business steps
  (a retry after a node restart) is the same citizen finishing, so it is let in. The lock
  is kept in the node's SQLite: a node restarted while locked comes back locked.
- An announcement stays on the banner for ``display_s`` seconds (memory only: it is news,
  not state).

Listeners hear every change (the MQTT runtime publishes the booth's state report).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gangting.kernel.errors import Unavailable
from gangting.node.store import NodeStore

DEFAULT_NOTICE = "暂停服务"

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS kiosk_mode ("
    " key TEXT PRIMARY KEY, value TEXT NOT NULL, changed_at REAL NOT NULL)"
)


class KioskLocked(Unavailable):
    """The centre has taken the kiosk out of service; nothing new starts."""

    code = "kiosk.locked"


@dataclass(frozen=True)
class Announcement:
    id: str
    text: str
    shown_until: float  # on the mode's monotonic clock


class KioskMode:
    def __init__(
        self,
        store: NodeStore,
        *,
        display_s: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._display_s = display_s
        self._clock = clock
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []
        self._announcement: Announcement | None = None
        with store.transaction() as db:
            db.execute(SCHEMA)
            row = db.execute("SELECT value FROM kiosk_mode WHERE key='lock'").fetchone()
        self._notice: str | None = str(row["value"]) if row is not None else None

    # --- what the kiosk shows

    @property
    def locked(self) -> bool:
        return self._notice is not None

    @property
    def kiosk_state(self) -> str:
        """The ``kiosk`` field of the booth's state report."""
        return "locked" if self.locked else "in_service"

    def announcement(self) -> Announcement | None:
        current = self._announcement
        if current is None or self._clock() >= current.shown_until:
            return None
        return current

    def view(self) -> dict[str, Any]:
        """For the kiosk screen (``GET /kiosk/api/mode`` and ``/status``)."""
        current = self.announcement()
        return {
            "kiosk": self.kiosk_state,
            "locked": self.locked,
            "notice": self._notice,
            "announcement": None
            if current is None
            else {
                "id": current.id,
                "text": current.text,
                "seconds_left": max(1, round(current.shown_until - self._clock())),
            },
        }

    def require_open(self, *, finishing: bool = False) -> None:
        """Refuse a new session while locked (``finishing``: the same citizen resumes
        unanswered steps, which is let in)."""
        notice = self._notice
        if notice is None or finishing:
            return
        message = notice if DEFAULT_NOTICE in notice else f"{DEFAULT_NOTICE}：{notice}"
        raise KioskLocked(message, data={"notice": notice})

    # --- what the centre changes

    def lock(self, notice: str = DEFAULT_NOTICE) -> bool:
        """Lock (or change the notice); True when anything changed."""
        with self._lock:
            if self._notice == notice:
                return False
            with self._store.transaction() as db:
                db.execute(
                    "INSERT INTO kiosk_mode (key, value, changed_at) VALUES ('lock', ?, ?)"
                    " ON CONFLICT(key) DO UPDATE SET value=excluded.value,"
                    " changed_at=excluded.changed_at",
                    (notice, time.time()),
                )
            self._notice = notice
        self._changed()
        return True

    def unlock(self) -> bool:
        with self._lock:
            if self._notice is None:
                return False
            with self._store.transaction() as db:
                db.execute("DELETE FROM kiosk_mode WHERE key='lock'")
            self._notice = None
        self._changed()
        return True

    def announce(self, text: str, display_s: float | None = None) -> Announcement:
        shown = display_s if display_s is not None else self._display_s
        current = Announcement(uuid.uuid4().hex[:12], text, self._clock() + shown)
        self._announcement = current
        self._changed()
        return current

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()
