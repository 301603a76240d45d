"""Named refusals of the two-keys rule."""

from gangting.kernel.errors import Conflict, Forbidden, Invalid, NotFound


class ApprovalUnknown(NotFound):
    code = "approvals.not_found"


class SamePerson(Forbidden):
    code = "approvals.same_person"


class ApprovalExpired(Conflict):
    code = "approvals.expired"


class AlreadyDecided(Conflict):
    code = "approvals.decided"


class MakerGone(Conflict):
    code = "approvals.maker_inactive"


class NoteRequired(Invalid):
    code = "approvals.note_required"


class NotMaker(Forbidden):
    code = "approvals.not_maker"


class NotExecuted(Conflict):
    code = "approvals.not_executed"


class AlreadyCollected(Conflict):
    code = "approvals.collected"
