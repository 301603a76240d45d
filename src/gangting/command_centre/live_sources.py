"""The live feed's registry: every source of live events, each declared by its own domain
(kernel.live.LiveSource), plus the booth states, whose view is the screen's own (the map's
colour under the screen policy)."""

from __future__ import annotations

from gangting.alerts import live as alerts
from gangting.booths import live as booths
from gangting.booths.models import BoothState
from gangting.command_centre.live_reads import Reads
from gangting.command_centre.views import ScreenPolicy, booth_view
from gangting.instructions import live as instructions
from gangting.kernel.clock import SystemClock
from gangting.kernel.live import LiveSource, LiveView, Throttle
from gangting.plate_reads import live as plate_reads
from gangting.watchlists import live as watchlists

_WALL = SystemClock()

Sources = tuple[LiveSource[Reads], ...]


def booth_states(policy: ScreenPolicy) -> LiveSource[Reads]:
    """A booth's state as the map shows it, at most four times a second per booth: a booth
    reporting many readings a second costs the screens a few events, not one per row."""

    def build(reads: Reads, row: BoothState) -> LiveView | None:
        info = reads.booth(row.booth_id)
        if info is None:
            return None
        view = booth_view(
            info,
            values=row.values,
            availability=row.availability,
            reported=row.reported,
            last_reported_at=row.last_reported_at,
            last_changed_at=row.last_changed_at,
            # the booth just reported: judge it as of that report
            now=row.last_reported_at or _WALL.now(),
            policy=policy,
        )
        return LiveView(view, info.org_path, info.code)

    return LiveSource(
        BoothState, "booth_state", build, throttle=Throttle("booth_id", interval_s=0.25)
    )


def live_sources(policy: ScreenPolicy) -> Sources:
    """Every source the centre publishes, in one place."""
    return (
        booth_states(policy),
        *plate_reads.SOURCES,
        *alerts.SOURCES,
        *watchlists.SOURCES,
        *booths.SOURCES,
        *instructions.SOURCES,
    )
