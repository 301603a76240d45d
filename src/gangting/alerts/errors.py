"""Named refusals of the alerts domain."""

from gangting.kernel.errors import Conflict, Invalid, NotFound


class AlertUnknown(NotFound):
    code = "alerts.not_found"


class AlertStateConflict(Conflict):
    code = "alerts.state_conflict"


class OwnerUnknown(NotFound):
    code = "alerts.owner_not_found"


class NoteRequired(Invalid):
    code = "alerts.note_required"
