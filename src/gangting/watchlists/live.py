"""What the watch-lists domain publishes to the command centre's live feed: every hit as it
is made and handled, to the officers of the booth that read the plate."""

from __future__ import annotations

from gangting.kernel.live import LiveReads, LiveSource, LiveView
from gangting.watchlists.hits import hit_view
from gangting.watchlists.models import WatchListEntry, WatchListHit


def _hit(reads: LiveReads, row: WatchListHit) -> LiveView | None:
    booth = reads.booth(row.booth_id)
    entry = reads.session.get(WatchListEntry, row.entry_id)
    if booth is None or entry is None:
        return None
    return LiveView(hit_view(row, entry, booth.code), booth.org_path, booth.code)


SOURCES: tuple[LiveSource[LiveReads], ...] = (LiveSource(WatchListHit, "hit", _hit),)
