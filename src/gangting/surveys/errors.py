"""Named refusals of surveys."""

from gangting.kernel.errors import Conflict, Forbidden, Invalid, NotFound


class SurveyNotFound(NotFound):
    code = "surveys.not_found"


class BadAnswers(Invalid):
    code = "surveys.bad_answers"


class BadImport(Invalid):
    code = "surveys.import_invalid"


class AlreadyImported(Conflict):
    code = "surveys.already_imported"


class AlreadyAnswered(Conflict):
    code = "surveys.already_answered"


class ReceiptNotFound(NotFound):
    code = "surveys.receipt_not_found"


class NotThisBooth(Forbidden):
    code = "surveys.not_this_booth"


class RatingFirst(Conflict):
    code = "surveys.rating_first"
