"""Holding back a busy group's changes (a source's ``throttle``): the rows of one group (a
booth) go out at most once per the source's interval, the latest winning; the last one
always goes out."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Engine

from gangting.command_centre.live_capture import Change, Watched

# (model, group) where a change waits for its turn
Slot = tuple[type[Any], uuid.UUID]


def slot_of(watched: Watched, change: Change) -> tuple[Slot, float] | None:
    """Where a change waits and for how long at least; None: it goes out at once (its
    source is not throttled, or its group is not known without reading the row again)."""
    throttle = watched.sources[change.model].throttle
    if throttle is None:
        return None
    if change.values is not None:
        group = change.values.get(throttle.by)
    elif throttle.by == watched.key(change.model):
        group = change.pk
    else:
        return None
    if not isinstance(group, uuid.UUID):
        return None
    return (change.model, group), throttle.interval_s


class Held:
    """The latest change of each slot waiting for its turn, and when each slot last went
    out."""

    def __init__(self, max_remembered: int = 100_000) -> None:
        self._max_remembered = max_remembered
        self._held: dict[Slot, tuple[Engine, Change, float]] = {}
        self._sent_at: dict[Slot, float] = {}

    def __bool__(self) -> bool:
        return bool(self._held)

    def hold(self, slot: Slot, interval_s: float, engine: Engine, change: Change) -> bool:
        """Hold ``change`` for its turn; True when it replaced one still waiting."""
        replaced = slot in self._held
        self._held[slot] = (engine, change, interval_s)
        return replaced

    def next_due_in(self, now: float) -> float | None:
        """Seconds until the first held change is due; None when nothing is held."""
        if not self._held:
            return None
        due = min(self._sent_at.get(slot, 0.0) + held[2] for slot, held in self._held.items())
        return max(0.0, due - now)

    def take_due(self, now: float, *, force: bool) -> list[tuple[Engine, Change]]:
        """The held changes whose turn it is (every one when ``force``), marked sent now."""
        due = [
            slot
            for slot, held in self._held.items()
            if force or self._sent_at.get(slot, 0.0) + held[2] <= now
        ]
        taken: list[tuple[Engine, Change]] = []
        for slot in due:
            engine, change, _interval_s = self._held.pop(slot)
            self._sent_at[slot] = now
            taken.append((engine, change))
        if len(self._sent_at) > self._max_remembered:
            self._sent_at.clear()
        return taken
