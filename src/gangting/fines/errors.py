"""Named refusals of fine payment and of late-fee pauses."""

from gangting.kernel.errors import Conflict, Invalid, NotFound


class DecisionNotFound(NotFound):
    code = "fines.decision_not_found"


class AlreadyPaid(Conflict):
    code = "fines.already_paid"


class PaymentPending(Conflict):
    code = "fines.payment_pending"


class PaymentNotFound(NotFound):
    code = "fines.payment_not_found"


class CaseNumberInvalid(Invalid):
    """A late-fee pause names no usable review or court case number (案号)."""

    code = "fines.case_no_invalid"


class PauseDatesInvalid(Invalid):
    """A late-fee pause ends before it starts."""

    code = "fines.pause_dates"


class PauseBeforeDecision(Invalid):
    """A late-fee pause starts before the penalty decision was made."""

    code = "fines.pause_before_decision"


class PauseNotStarted(Invalid):
    """A late-fee pause is registered once its review or lawsuit has begun, not ahead."""

    code = "fines.pause_not_started"


class PauseTooLong(Invalid):
    """A late-fee pause ends later than the configured limit from today."""

    code = "fines.pause_too_long"


class PauseOpen(Conflict):
    code = "fines.pause_open"


class PauseCaseMismatch(Conflict):
    """Closing the open pause under another case number than the one it was opened with."""

    code = "fines.pause_case_mismatch"


class PauseCaseRegistered(Conflict):
    """A second period under a case number already registered on the decision."""

    code = "fines.pause_case_registered"


class DeferralReasonRequired(Invalid):
    """An application for deferral or instalments names no hardship (第66条第2款)."""

    code = "fines.deferral_reason_required"


class DeferralUntilInvalid(Invalid):
    """A deferral's end is missing, not after the due date and today, or too far."""

    code = "fines.deferral_until_invalid"


class InstalmentCountInvalid(Invalid):
    code = "fines.instalment_count_invalid"


class DeferralExists(Conflict):
    """The decision already has a pending or approved deferral or instalment plan."""

    code = "fines.deferral_exists"


class DeferralNotFound(NotFound):
    code = "fines.deferral_not_found"


class DeferralDecided(Conflict):
    """The application was approved or refused already."""

    code = "fines.deferral_decided"


class NothingToDefer(Conflict):
    """A decision with no fine (no penalty, or a zero fine) has nothing to defer."""

    code = "fines.nothing_to_defer"


class UnderInstalments(Conflict):
    """A decision paid by approved instalments is paid instalment by instalment."""

    code = "fines.under_instalments"


class InstalmentNotFound(NotFound):
    code = "fines.instalment_not_found"


class InstalmentPaid(Conflict):
    code = "fines.instalment_paid"


class DeferralTooLate(Conflict):
    """Applied after the decision's due date: the deadline to move has passed."""

    code = "fines.deferral_too_late"
