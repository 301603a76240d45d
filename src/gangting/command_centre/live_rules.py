"""Pure rules of live events: the envelope and its version, the topic of each kind, who may
see an event, and the bounded replay buffer a reconnecting browser catches up from.

Stdlib only: no database, web framework or MQTT. These are operating rules of the
platform (docs/decisions/0005-live-events.md), not legal rules.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

MAJOR = 1
VERSION = f"{MAJOR}.0"

LiveKind = Literal[
    "booth_state",
    "plate_read",
    "hit",
    "alert",
    "instruction",
    "help_call",
    "remote_assist",
    "booth_command",
]
LIVE_KINDS: tuple[str, ...] = get_args(LiveKind)
Role = Literal["officer", "supervisor", "admin"]
_ROLE_RANK = {"officer": 1, "supervisor": 2, "admin": 3}
_VERSION = re.compile(r"^(\d{1,3})\.(\d{1,3})$")

# Events published this close before a reconnecting browser's last event may still arrive
# after it (another process, another path through the broker): they are replayed too and the
# browser drops the ones it has (by id).
REPLAY_MARGIN_MS = 2000


class LiveEventInvalid(ValueError):
    """A message on a live topic that is not a live event of a version we read."""


@dataclass(frozen=True)
class LiveEvent:
    """One live event: ``id`` a UUIDv7 made by the publisher (its first 48 bits are the
    publish time in ms, so ids from several processes order by time), ``kind``, where it
    belongs in the org tree (``org_path``, None: admins only), the booth it concerns, the
    least role that may see it and the view ``data``. ``audience``: the usernames of staff
    the event is addressed to in person (an instruction's recipients), who see it whatever
    their role (an officer's phone hears of an instruction sent to them)."""

    id: uuid.UUID
    kind: str
    at: str
    org_path: str | None
    data: Mapping[str, Any]
    booth: str | None = None
    min_role: Role = "officer"
    audience: tuple[str, ...] = ()

    @property
    def ms(self) -> int:
        return id_ms(self.id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": VERSION,
            "id": str(self.id),
            "kind": self.kind,
            "at": self.at,
            "org_path": self.org_path,
            "booth": self.booth,
            "min_role": self.min_role,
            "data": dict(self.data),
            "audience": list(self.audience),
        }


def id_ms(event_id: uuid.UUID) -> int:
    """The millisecond timestamp of a UUIDv7 (0 for any other version)."""
    if event_id.version != 7:
        return 0
    return event_id.int >> 80


def topic_for(prefix: str, kind: str) -> str:
    if kind not in LIVE_KINDS:
        raise ValueError(f"unknown live event kind {kind!r}")
    return f"{prefix}/{kind}"


def topic_filter(prefix: str) -> str:
    return f"{prefix}/+"


def encode_event(event: LiveEvent) -> bytes:
    return json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()


def decode_event(raw: bytes) -> LiveEvent:
    """Decode a live event (our major version, any minor); ``LiveEventInvalid`` otherwise."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise LiveEventInvalid("not JSON") from None
    if not isinstance(data, dict):
        raise LiveEventInvalid("not an object")
    version = data.get("v")
    match = _VERSION.match(version) if isinstance(version, str) else None
    if match is None or int(match.group(1)) != MAJOR:
        raise LiveEventInvalid(f"version {version!r}")
    try:
        event_id = uuid.UUID(str(data["id"]))
        kind = str(data["kind"])
        payload = data["data"]
        min_role = data.get("min_role") or "officer"
        org_path = data.get("org_path")
        booth = data.get("booth")
        audience = data.get("audience") or []
    except (KeyError, ValueError):
        raise LiveEventInvalid("missing field") from None
    if not isinstance(audience, list) or not all(isinstance(a, str) for a in audience):
        raise LiveEventInvalid("audience")
    if kind not in LIVE_KINDS or not isinstance(payload, dict):
        raise LiveEventInvalid(f"kind {kind!r}")
    role: Role
    if min_role == "admin":
        role = "admin"
    elif min_role == "supervisor":
        role = "supervisor"
    elif min_role == "officer":
        role = "officer"
    else:
        raise LiveEventInvalid(f"min_role {min_role!r}")
    return LiveEvent(
        id=event_id,
        kind=kind,
        at=str(data.get("at") or ""),
        org_path=str(org_path) if org_path is not None else None,
        booth=str(booth) if booth is not None else None,
        min_role=role,
        data=payload,
        audience=tuple(audience),
    )


def visible_to(
    event: LiveEvent, role: str | None, org_path: str | None, username: str | None = None
) -> bool:
    """Whether a staff member (role, org path, username) may see the event: one it is
    addressed to (``audience``) always; otherwise at least the event's ``min_role``; admins
    everything; others only events under their own org unit (the same scope as the REST
    APIs: ``staff.scope.sees``; tests/staff/test_scope_walk.py checks the two agree)."""
    if username and username in event.audience:
        return True
    rank = _ROLE_RANK.get(role or "", 0)
    if rank < _ROLE_RANK[event.min_role]:
        return False
    if role == "admin":
        return True
    if event.org_path is None or not org_path:
        return False
    return event.org_path.startswith(org_path)


@dataclass(frozen=True)
class Replay:
    """What a reconnecting browser gets: the events it may have missed (it drops those it
    already has, by id) and ``gap`` when the buffer cannot vouch that nothing is missing
    (the browser then reloads its snapshot)."""

    events: tuple[LiveEvent, ...]
    gap: bool


@dataclass
class ReplayBuffer:
    """The last ``size`` events in arrival order. ``since(last_id)`` returns every buffered
    event published at most ``REPLAY_MARGIN_MS`` before the browser's last event (ids are
    UUIDv7: comparable across processes), other than that event; it reports a gap when an
    event that could belong to that window was already evicted, or when this buffer started
    listening after the window began and does not hold the browser's last event (another
    worker served the browser before this one started)."""

    size: int
    started_ms: int
    margin_ms: int = REPLAY_MARGIN_MS
    _events: deque[LiveEvent] = field(init=False)
    _evicted_max_ms: int = field(init=False, default=-1)

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError("size must be positive")
        self._events = deque()

    def __len__(self) -> int:
        return len(self._events)

    def append(self, event: LiveEvent) -> None:
        if len(self._events) >= self.size:
            old = self._events.popleft()
            self._evicted_max_ms = max(self._evicted_max_ms, old.ms)
        self._events.append(event)

    def extend(self, events: Iterable[LiveEvent]) -> None:
        for event in events:
            self.append(event)

    def since(self, last_id: uuid.UUID | None) -> Replay:
        if last_id is None:
            return Replay((), gap=False)
        from_ms = id_ms(last_id) - self.margin_ms
        held = any(e.id == last_id for e in self._events)
        gap = from_ms <= self._evicted_max_ms or (from_ms < self.started_ms and not held)
        events = tuple(e for e in self._events if e.ms >= from_ms and e.id != last_id)
        return Replay(events, gap)
