"""Named refusals of the watch-list domain."""

from gangting.kernel.errors import Conflict, Invalid, NotFound


class ReasonRequired(Invalid):
    code = "watchlists.reason_required"


class OwnerRequired(Invalid):
    code = "watchlists.owner_required"


class ExpiryInvalid(Invalid):
    code = "watchlists.expiry_invalid"


class VersionInvalid(Invalid):
    code = "watchlists.version_invalid"


class OwnerUnknown(NotFound):
    code = "watchlists.owner_not_found"


class EntryUnknown(NotFound):
    code = "watchlists.entry_not_found"


class AlreadyListed(Conflict):
    code = "watchlists.already_listed"


class EntryDerived(Conflict):
    """A derived entry follows the records; it cannot be withdrawn by hand."""

    code = "watchlists.entry_derived"


class EntryWithdrawn(Conflict):
    code = "watchlists.entry_withdrawn"


class HitUnknown(NotFound):
    code = "watchlists.hit_not_found"


class HitDecided(Conflict):
    code = "watchlists.hit_decided"


class NoteRequired(Invalid):
    code = "watchlists.note_required"
