"""What a domain publishes to the command centre's live feed, declared by the domain itself.

A domain lists its ``LiveSource``s in its own ``live`` module (``alerts.live``,
``booths.live``, …): the model whose committed inserts and updates become events, the event
kind, and how a changed row is built into the event's view with its audience
(``LiveView``). The command centre collects them (``command_centre.live_sources``) and its
change feed captures, throttles and publishes whatever the sources declare, without knowing
any model itself. Here, low in the kernel, so that a domain declares its sources without
importing the command centre.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar

from sqlalchemy.orm import Session

# The least role that receives an event (the command centre's live_rules.Role).
LiveRole = Literal["officer", "supervisor", "admin"]


class LiveBooth(Protocol):
    """A booth as the live events name and scope it."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def org_path(self) -> str: ...


@dataclass(frozen=True)
class LiveUnit:
    """An org unit as the live events name and scope it."""

    code: str
    path: str


class LiveReads(Protocol):
    """What building a view may read: a session of its own (a worker's, never the
    committing request's), and booths and org units through the feed's one cache."""

    @property
    def session(self) -> Session: ...

    def booth(self, booth_id: uuid.UUID) -> LiveBooth | None: ...

    def unit(self, unit_id: uuid.UUID) -> LiveUnit | None: ...


@dataclass(frozen=True)
class LiveView:
    """One event's content and audience: its data, the org path and booth it belongs to
    (its scope), the least role that sees it, and the usernames that see it below that
    role."""

    data: dict[str, Any]
    org_path: str | None
    booth: str | None = None
    min_role: LiveRole = "officer"
    audience: tuple[str, ...] = ()


@dataclass(frozen=True)
class Throttle:
    """Rows grouped by the column ``by`` (a booth) go out at most once per ``interval_s``
    per group, the latest winning (the last one always goes out). A row whose group is not
    known goes out at once."""

    by: str
    interval_s: float


R = TypeVar("R", bound=LiveReads, contravariant=True)


@dataclass(frozen=True)
class LiveSource(Generic[R]):
    """A model whose committed inserts and updates are published as ``kind`` events.

    ``build(reads, row)`` turns a changed row (a detached copy as its unit of work left it,
    or the row read again) into the event's view; None: no event (its booth is gone…).
    ``throttle``: how often a busy group's rows may go out (None: each at once).
    ``touched_by``: other models, each with the column naming this model's row, whose
    changes publish that row again (read again: its view depends on them).
    ``bulk_updates``: whether this model's rows moved by a bulk UPDATE are published too
    (each UUID bound in the statement is taken as a key of a row to read again).
    """

    model: type[Any]
    kind: str
    build: Callable[[R, Any], LiveView | None]
    throttle: Throttle | None = None
    touched_by: tuple[tuple[type[Any], str], ...] = ()
    bulk_updates: bool = False
