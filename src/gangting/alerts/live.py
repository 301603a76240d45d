"""What the alerts domain publishes to the command centre's live feed: every alert as it
is raised, acknowledged, cleared or closed, to the officers of its org unit."""

from __future__ import annotations

from gangting.alerts.models import Alert
from gangting.alerts.service import alert_view
from gangting.kernel.live import LiveReads, LiveSource, LiveView


def _alert(reads: LiveReads, row: Alert) -> LiveView | None:
    unit = reads.unit(row.org_unit_id)
    if unit is None:
        return None
    booth = reads.booth(row.booth_id) if row.booth_id else None
    code = booth.code if booth is not None else None
    return LiveView(alert_view(row, code, unit.code), unit.path, code)


SOURCES: tuple[LiveSource[LiveReads], ...] = (LiveSource(Alert, "alert", _alert),)
