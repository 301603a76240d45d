"""One kiosk session at a time. The citizen's identity token, name and answers live here,
in memory only; finish and the idle timeout wipe them (nothing stays on the node)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gangting.node.errors import SessionRequired


@dataclass
class KioskSession:
    id: str
    started_at: float
    last_seen: float
    identity_token: str | None = None
    citizen: dict[str, Any] | None = None
    last_answer: dict[str, Any] | None = None  # the last business answer with a receipt_no
    # 受理编号 of the applications this session completed, oldest first: a rating rates
    # the last one (one rating per application).
    applications: list[str] = field(default_factory=list)
    # 事故快处 (node/accident_routes.py): both parties' identity tokens and names, in memory
    accident: dict[str, Any] | None = None

    def completed(self, answer: dict[str, Any]) -> None:
        """Remember an answer's application number (a payment's once it succeeded)."""
        number = answer.get("application_no")
        if number and number not in self.applications:
            self.applications.append(str(number))

    def wipe(self) -> None:
        self.identity_token = None
        self.citizen = None
        self.last_answer = None
        self.applications.clear()
        self.accident = None


Ended = Callable[[KioskSession, str], None]


class Sessions:
    def __init__(
        self, idle_timeout_s: float, clock: Callable[[], float], on_end: Ended | None = None
    ) -> None:
        self.idle_timeout_s = idle_timeout_s
        self._clock = clock
        self._on_end = on_end
        self._lock = threading.RLock()
        self._current: KioskSession | None = None

    @property
    def busy(self) -> bool:
        self.expire_idle()
        return self._current is not None

    def start(self, session_id: str | None = None) -> KioskSession:
        """A new session replaces any other (the kiosk is one screen: whoever starts is
        standing at it). ``session_id`` resumes an id whose steps are still unanswered."""
        with self._lock:
            self._end("replaced")
            now = self._clock()
            self._current = KioskSession(
                session_id or secrets.token_urlsafe(16), started_at=now, last_seen=now
            )
            return self._current

    def get(self, session_id: str | None) -> KioskSession:
        """The current session if the cookie names it and it has not gone idle."""
        with self._lock:
            self.expire_idle()
            current = self._current
            if current is None or not session_id or session_id != current.id:
                raise SessionRequired("会话已结束，请重新开始办理")
            current.last_seen = self._clock()
            return current

    def finish(self, session_id: str | None) -> bool:
        with self._lock:
            if self._current is None or self._current.id != session_id:
                return False
            self._end("finished")
            return True

    def close(self) -> None:
        """The node stops: wipe the session from memory without ending its steps (their
        keys stay in the node SQLite so a restarted node retries with them)."""
        with self._lock:
            current, self._current = self._current, None
            if current is not None:
                current.wipe()

    def expire_idle(self) -> bool:
        with self._lock:
            current = self._current
            if current is None or self._clock() - current.last_seen < self.idle_timeout_s:
                return False
            self._end("idle")
            return True

    def _end(self, why: str) -> None:
        current, self._current = self._current, None
        if current is None:
            return
        try:
            if self._on_end is not None:
                self._on_end(current, why)
        finally:
            current.wipe()
