"""Live events from committed changes: what the screen follows (booth states, plate reads,
alerts, hits, help calls, instructions, remote commands) is published after each commit
that changed it, whichever process and path made the change (an HTTP request, the MQTT
ingest, a sweep), without each domain having to remember to publish.

What is published is declared by the domains (kernel.live.LiveSource in each domain's
``live`` module, collected in ``live_sources``). ``live_capture`` notes the watched rows a
unit of work changed and, once it committed, hands plain copies of them to the feed's one
worker thread (a rollback drops them); ``live_throttle`` holds back a busy booth's rows.
The worker builds each view with its source (re-reading a row in a fresh session when the
copy is incomplete; booths and org units through one cache, ``live_reads``) and publishes
it through ``live.publish_live``. So an event never describes a change that rolled back,
and the committing request waits for nothing.

Events a domain wants to send that are not row changes it publishes itself
(``live.publish_live_after_commit``), as remote assist does.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine

from gangting.command_centre import live
from gangting.command_centre.live_capture import Change, Watched, install_feed
from gangting.command_centre.live_reads import Directory, Reads
from gangting.command_centre.live_sources import live_sources
from gangting.command_centre.live_throttle import Held, slot_of
from gangting.command_centre.views import ScreenPolicy
from gangting.kernel.live import LiveSource

__all__ = ["Change", "ChangeFeed", "install_feed"]

log = logging.getLogger("gangting.command_centre.changes")


class ChangeFeed:
    """The worker that turns committed changes into live events (one per process).

    ``sources``: what is published (by default every source of ``live_sources``, booth
    states judged under ``policy``). A throttled source's rows wait for their group's turn
    (``live_throttle``); everything else goes out at once.
    """

    def __init__(
        self,
        policy: ScreenPolicy | None = None,
        *,
        sources: Iterable[LiveSource[Reads]] | None = None,
    ) -> None:
        self.policy = policy or ScreenPolicy()
        self.watched = Watched(live_sources(self.policy) if sources is None else sources)
        self.stats: Counter[str] = Counter()
        self._queue: queue.Queue[tuple[Engine, list[Change]] | None] = queue.Queue(maxsize=10_000)
        self._directory = Directory()
        self._held = Held()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="live-changes", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout_s)
        self._thread = None

    def submit(self, engine: Engine, changes: list[Change]) -> None:
        self._idle.clear()
        try:
            self._queue.put_nowait((engine, changes))
        except queue.Full:
            self.stats["dropped_backlog"] += len(changes)

    def drain(self, timeout_s: float = 5.0) -> bool:
        """Wait until every submitted change was published (tests)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._queue.empty() and self._idle.is_set():
                return True
            time.sleep(0.01)
        return False

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self._held.next_due_in(time.monotonic()))
                timed_out = False
            except queue.Empty:
                item, timed_out = None, True  # a held change is due
            if item is None and not timed_out:
                self._publish_held(force=True)
                return
            if item is not None:
                self._take(*item)
            self._publish_held(force=False)
            if self._queue.empty() and not self._held:
                self._idle.set()

    def _take(self, engine: Engine, changes: list[Change]) -> None:
        """Hold the throttled changes of one commit, publish the others."""
        now: list[Change] = []
        for change in changes:
            slot = slot_of(self.watched, change)
            if slot is None:
                now.append(change)
            elif self._held.hold(*slot, engine, change):
                self.stats["coalesced"] += 1
        self._publish_batch(engine, now)

    def _publish_held(self, *, force: bool) -> None:
        for engine, change in self._held.take_due(time.monotonic(), force=force):
            self._publish_batch(engine, [change])

    def _publish_batch(self, engine: Engine, changes: list[Change]) -> None:
        if not changes:
            return
        reads = Reads(engine, self._directory)
        try:
            for change in changes:
                self._publish(reads, change)
        except Exception:
            self.stats["failed"] += 1
            log.exception("live events from %d changes failed", len(changes))
        finally:
            reads.close()

    def _publish(self, reads: Reads, change: Change) -> None:
        source = self.watched.sources[change.model]
        try:
            row = _row(reads, change)
            view = source.build(reads, row) if row is not None else None
        except Exception:
            self.stats["failed"] += 1
            log.exception("live event for %s %s not built", change.model.__name__, change.pk)
            return
        if view is None:
            self.stats["skipped"] += 1
            return
        if live.publish_live(
            source.kind,
            view.data,
            org_path=view.org_path,
            booth=view.booth,
            min_role=view.min_role,
            audience=view.audience,
        ):
            self.stats[source.kind] += 1


def _row(reads: Reads, change: Change) -> Any:
    """A detached instance with the change's values (or the row read again)."""
    if change.values is not None:
        return change.model(**change.values)
    return reads.session.get(change.model, change.pk)
