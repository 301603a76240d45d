"""What the plate-reads domain publishes to the command centre's live feed: a booth's
latest plate reads, at most twice a second per booth (a camera on a busy road costs the
screens a few events, not one per read). Every read stays in the plate-read list
(``GET /api/v1/plate-reads``), and a read that hits the watch-list is its own event
(watchlists.live)."""

from __future__ import annotations

from typing import Any

from gangting.kernel.clock import iso_or_none
from gangting.kernel.live import LiveReads, LiveSource, LiveView, Throttle
from gangting.plate_reads.models import PlateReadRecord
from gangting.vehicles.rules import shown_plate


def plate_read_view(row: PlateReadRecord, booth_code: str) -> dict[str, Any]:
    """A plate read for the live feed (as the plate-read list shows it, without the crop)."""
    return {
        "id": str(row.id),
        "event_id": str(row.event_id),
        "booth": booth_code,
        "camera": row.camera,
        "plate_no": row.plate_no,
        "plate": shown_plate(row.plate_no),
        "colour": row.colour,
        "plate_type": row.plate_type,
        "confidence": row.confidence,
        "frames": row.frames,
        "agreeing": row.agreeing,
        "first_seen_at": iso_or_none(row.first_seen_at),
        "last_seen_at": iso_or_none(row.last_seen_at),
        "received_at": iso_or_none(row.received_at),
        "has_evidence": bool(row.evidence_jpeg_b64),
        "vehicle_id": str(row.vehicle_id) if row.vehicle_id is not None else None,
    }


def _plate_read(reads: LiveReads, row: PlateReadRecord) -> LiveView | None:
    booth = reads.booth(row.booth_id)
    if booth is None:
        return None
    return LiveView(plate_read_view(row, booth.code), booth.org_path, booth.code)


SOURCES: tuple[LiveSource[LiveReads], ...] = (
    LiveSource(
        PlateReadRecord, "plate_read", _plate_read, throttle=Throttle("booth_id", interval_s=0.5)
    ),
)
