"""Named refusals of ratings."""

from gangting.kernel.errors import Conflict, Forbidden, Invalid, NotFound


class ReasonRequired(Invalid):
    code = "ratings.reason_required"


class AlreadyRated(Conflict):
    code = "ratings.already_rated"


class ReceiptNotFound(NotFound):
    code = "ratings.receipt_not_found"


class NotThisBooth(Forbidden):
    code = "ratings.not_this_booth"
