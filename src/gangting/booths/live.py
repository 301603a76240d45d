"""What the booths domain publishes to the command centre's live feed: help calls, and
remote commands in each state (moved by the MQTT link's compare-and-set UPDATE too). A
booth's state is the screen's own view of it (command_centre.live_sources)."""

from __future__ import annotations

from gangting.booths.commands import command_view
from gangting.booths.models import BoothCommand, HelpCall
from gangting.kernel.live import LiveReads, LiveSource, LiveView


def _help_call(reads: LiveReads, row: HelpCall) -> LiveView | None:
    booth = reads.booth(row.booth_id)
    if booth is None:
        return None
    view = {
        "id": str(row.id),
        "booth": booth.code,
        "booth_name": booth.name,
        "kind": row.kind,
        "note": row.note,
        "state": row.state,
        "called_at": row.called_at.isoformat(),
    }
    return LiveView(view, booth.org_path, booth.code)


def _command(reads: LiveReads, row: BoothCommand) -> LiveView | None:
    booth = reads.booth(row.booth_id)
    if booth is None:
        return None
    return LiveView(command_view(row, booth.code), booth.org_path, booth.code)


SOURCES: tuple[LiveSource[LiveReads], ...] = (
    LiveSource(HelpCall, "help_call", _help_call),
    # booths.commands moves commands by a compare-and-set UPDATE
    LiveSource(BoothCommand, "booth_command", _command, bulk_updates=True),
)
