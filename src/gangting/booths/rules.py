"""Pure rules of the booth devices: the remote-command lifecycle, which availability report
wins, and which telemetry reading is current. Stdlib only; no database, web or MQTT.

These are operating rules of the platform (ARCHITECTURE.md "Devices"), not legal rules.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal


class CommandKind(StrEnum):
    ANNOUNCEMENT = "announcement"
    LOCK_KIOSK = "lock_kiosk"
    UNLOCK_KIOSK = "unlock_kiosk"
    RESTART_ADAPTER = "restart_adapter"
    REFRESH_WATCH_LIST = "refresh_watch_list"


COMMAND_KINDS: tuple[str, ...] = tuple(CommandKind)
COMMAND_KIND_ZH = {
    "announcement": "岗亭喇叭播报",
    "lock_kiosk": "锁定自助终端",
    "unlock_kiosk": "解锁自助终端",
    "restart_adapter": "重启设备适配器",
    "refresh_watch_list": "更新布控名单",
}


class CommandState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"


COMMAND_STATES: tuple[str, ...] = tuple(CommandState)
TERMINAL_STATES = frozenset({"succeeded", "failed", "expired"})
OPEN_STATES = frozenset({"queued", "sent", "acknowledged"})
# A command only moves forward: queued -> sent -> acknowledged -> one terminal state.
# Steps may be skipped (a booth's acknowledgement can overtake the centre's "sent" record).
_RANK = {"queued": 0, "sent": 1, "acknowledged": 2, "succeeded": 3, "failed": 3, "expired": 3}

Availability = Literal["unknown", "online", "offline"]


class HelpCallState(StrEnum):
    """A help call: open -> answered -> closed."""

    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


def command_may_move(current: str, new: str) -> bool:
    """Whether a command in ``current`` may move to ``new``.

    Forward only; a terminal state (succeeded, failed, expired) is final, so a late or
    duplicated report from the booth changes nothing. Unknown states never move.
    """
    if current not in _RANK or new not in _RANK or current in TERMINAL_STATES:
        return False
    return _RANK[new] > _RANK[current]


def command_expired(expires_at: datetime, now: datetime) -> bool:
    """A command that has not finished by ``expires_at`` is expired (the instant itself
    counts as expired). Both instants must be aware."""
    if expires_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("naive datetime")
    return now >= expires_at


def availability_applies(
    current_status: str, current_session: str | None, new_status: str, new_session: str
) -> bool:
    """Whether an availability report replaces the one the centre holds.

    Each broker connection of a booth carries its own ``session`` id, in its "online"
    report and in the last will the broker publishes when that connection dies. Reports are
    ordered by connection, not by the booth's clock (which may jump after a reboot):

    - "online" of a connection applies unless that same connection is already known dead
      (a duplicated "online" delivered after its own will);
    - "offline" applies to the connection the centre believes online, or when the centre
      believes nothing is online; the will of an older connection arriving after a newer
      connection came online changes nothing.
    """
    if new_status == "online":
        return not (current_session == new_session and current_status == "offline")
    if new_status == "offline":
        return current_status != "online" or current_session == new_session
    return False


def reading_is_current(current_at: datetime | None, new_at: datetime) -> bool:
    """A telemetry reading becomes the current value when nothing is held yet or it is not
    older than the held one (an old reading replayed from an outbox never overwrites a
    newer one)."""
    return current_at is None or current_at <= new_at
