"""The notification port: a text message (短信) to a citizen's phone.

Called after commit (never inside a transaction: a message cannot be taken back), once per
step a citizen must hear about. The fake records every message in its own small SQLite
file (like the fake payment platform), for the demo and the tests to read back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from gangting.integrations.sqlite_file import SqliteFile
from gangting.kernel.clock import Clock


class Notifier(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Send ``text`` to ``phone``; may raise when the gateway fails."""

    def close(self) -> None:
        """Release the adapter's connections (the context's end)."""


@dataclass(frozen=True)
class SentMessage:
    phone: str
    text: str
    sent_at: str


class FakeNotifier:
    """Records each message (phone, text, time) in a SQLite file; sends nothing."""

    def __init__(self, path: Path, *, clock: Clock) -> None:
        self._clock = clock
        self._file = SqliteFile(
            path,
            "CREATE TABLE IF NOT EXISTS messages"
            " (seq INTEGER PRIMARY KEY AUTOINCREMENT, phone TEXT, text TEXT, sent_at TEXT)",
        )

    def send(self, phone: str, text: str) -> None:
        self._file.write(
            "INSERT INTO messages (phone, text, sent_at) VALUES (?, ?, ?)",
            (phone, text, self._clock.now().isoformat()),
        )

    def messages(self, phone: str | None = None) -> list[SentMessage]:
        """The messages sent so far (to ``phone`` when given), oldest first."""
        query = "SELECT phone, text, sent_at FROM messages"
        args: tuple[str, ...] = ()
        if phone is not None:
            query, args = query + " WHERE phone = ?", (phone,)
        rows = self._file.rows(query + " ORDER BY seq", args)
        return [SentMessage(str(p), str(t), str(s)) for p, t, s in rows]

    def close(self) -> None:
        self._file.close()
