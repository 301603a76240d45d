"""The insurer port: the quick-settlement agreement (事故快处协议书, 事故程序规定 第22条) sent to a
party's compulsory-insurance company, so the claim can start without paper.

Called after commit, at least once per delivery; the delivery number is the message's
identity, so an insurer receiving it again keeps one (the fake: a unique key). The fake
records every delivery in its own small SQLite file for the demo and the tests to read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from gangting.integrations.sqlite_file import SqliteFile
from gangting.kernel.clock import Clock


class InsurerPort(Protocol):
    def deliver(
        self, delivery_no: str, insurer: str, policy_no: str, document: dict[str, Any]
    ) -> None:
        """Hand ``document`` (the agreement's number, fingerprint and content) to ``insurer``
        for ``policy_no``; the same ``delivery_no`` twice is one delivery. May raise."""

    def close(self) -> None:
        """Release the adapter's connections."""


@dataclass(frozen=True)
class InsurerDelivery:
    delivery_no: str
    insurer: str
    policy_no: str
    document: dict[str, Any]
    received_at: str


class FakeInsurer:
    """Records each delivery once (keyed by its number) in a SQLite file; sends nothing."""

    def __init__(self, path: Path, *, clock: Clock) -> None:
        self._clock = clock
        self._file = SqliteFile(
            path,
            "CREATE TABLE IF NOT EXISTS deliveries (delivery_no TEXT PRIMARY KEY,"
            " insurer TEXT, policy_no TEXT, document TEXT, received_at TEXT, times INTEGER)",
        )

    def deliver(
        self, delivery_no: str, insurer: str, policy_no: str, document: dict[str, Any]
    ) -> None:
        self._file.write(
            "INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (delivery_no)"
            " DO UPDATE SET times = times + 1",
            (
                delivery_no,
                insurer,
                policy_no,
                json.dumps(document, ensure_ascii=False, sort_keys=True),
                self._clock.now().isoformat(),
            ),
        )

    def deliveries(self) -> list[InsurerDelivery]:
        """Every delivery received (each once), oldest first."""
        rows = self._file.rows(
            "SELECT delivery_no, insurer, policy_no, document, received_at FROM deliveries"
            " ORDER BY rowid"
        )
        return [InsurerDelivery(d, i, p, json.loads(doc), at) for d, i, p, doc, at in rows]

    def close(self) -> None:
        self._file.close()
