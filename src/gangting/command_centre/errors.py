"""Named errors of the command centre (screen reads, remote assist)."""

from __future__ import annotations

from gangting.kernel.errors import Conflict, Invalid, NotFound


class BoothNotFound(NotFound):
    code = "centre.booth_not_found"


class PlateReadNotFound(NotFound):
    code = "centre.plate_read_not_found"


class AssistUnknown(NotFound):
    code = "assist.not_found"


class AssistStateConflict(Conflict):
    code = "assist.state_conflict"


class AssistMessageInvalid(Invalid):
    code = "assist.message_invalid"


class RecordKindUnknown(NotFound):
    code = "records.kind_unknown"
