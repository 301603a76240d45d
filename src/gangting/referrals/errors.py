"""Named refusals of referrals and objections."""

from gangting.kernel.errors import Conflict, Invalid, NotFound


class ReferralNotFound(NotFound):
    code = "referrals.not_found"


class ReferralStepRefused(Conflict):
    """The step does not follow from the referral's current state."""

    code = "referrals.step_refused"


class NoteRequired(Invalid):
    """Asking for more, declining and finishing say why (to the citizen)."""

    code = "referrals.note_required"


class ReasonRequired(Invalid):
    """A referral says why the booth could not finish the matter."""

    code = "referrals.reason_required"


class ServiceItemUnknown(Invalid):
    code = "referrals.service_item_unknown"


class UnitUnknown(Invalid):
    """The responsible unit named is not in the org tree."""

    code = "referrals.unit_unknown"


class MaterialsInvalid(Invalid):
    """Too many material references, or one blank or too long."""

    code = "referrals.materials_invalid"


class OutcomeRequired(Invalid):
    """An objection is finished as upheld or rejected (处理程序规定 第5条第3款)."""

    code = "referrals.outcome_required"


class StatementRequired(Invalid):
    """An objection states what is wrong with the record (处理程序规定 第5条第3款)."""

    code = "objections.statement_required"


class ObjectionNotAllowed(Conflict):
    """The violation is not the citizen's, or no longer unprocessed."""

    code = "objections.not_allowed"


class ObjectionOpen(Conflict):
    """An objection to this violation is still being reviewed."""

    code = "objections.open"
