"""Named refusals of the quick accident settlement (事故快处)."""

from gangting.kernel.errors import Conflict, Invalid, NotFound


class SettlementNotFound(NotFound):
    """No settlement of this number with the identified citizen as a party."""

    code = "accidents.not_found"


class QuestionsUnanswered(Invalid):
    """Every question of 第13–15条 is answered yes or no before the booth goes on."""

    code = "accidents.questions_unanswered"


class PartiesInvalid(Invalid):
    """Two different identified citizens, each with their own vehicle."""

    code = "accidents.parties_invalid"


class FactsInvalid(Invalid):
    """The time, place or a party's insurance details are missing or malformed."""

    code = "accidents.facts_invalid"


class LiabilityInvalid(Invalid):
    """A case not in the table, or an agreed split 第60条 does not allow."""

    code = "accidents.liability_invalid"


class PhotosRequired(Conflict):
    """第19条: the evidence is fixed by photos before the parties settle."""

    code = "accidents.photos_required"


class PhotosInvalid(Invalid):
    """A photo reference or hash is malformed, or too many photos."""

    code = "accidents.photos_invalid"


class AgreementIncomplete(Conflict):
    """The agreement lacks an item 第21条 requires."""

    code = "accidents.agreement_incomplete"


class SettlementClosed(Conflict):
    """The settlement was already agreed or referred."""

    code = "accidents.closed"
