"""Named refusals of ratings, rating links and remedies."""

from gangting.kernel.errors import Conflict, DomainError, Forbidden, Invalid, NotFound


class ReasonRequired(Invalid):
    code = "ratings.reason_required"


class AlreadyRated(Conflict):
    code = "ratings.already_rated"


class ReceiptNotFound(NotFound):
    code = "ratings.receipt_not_found"


class NotThisBooth(Forbidden):
    code = "ratings.not_this_booth"


class LinkUnknown(NotFound):
    code = "ratings.link_unknown"


class LinkUsed(Conflict):
    code = "ratings.link_used"


class LinkExpired(DomainError):
    http_status = 410
    code = "ratings.link_expired"


class TooManyRequests(DomainError):
    """Too many requests to the public rating page from one address; ``data.retry_after_s``."""

    http_status = 429
    code = "ratings.too_many_requests"


class RemedyUnknown(NotFound):
    code = "ratings.remedy_unknown"


class RemedyStateConflict(Conflict):
    code = "ratings.remedy_state_conflict"


class RemedyNoteRequired(Invalid):
    code = "ratings.remedy_note_required"
