"""Named refusals of fine payment."""

from gangting.kernel.errors import Conflict, NotFound


class DecisionNotFound(NotFound):
    code = "fines.decision_not_found"


class AlreadyPaid(Conflict):
    code = "fines.already_paid"


class PaymentPending(Conflict):
    code = "fines.payment_pending"


class PaymentNotFound(NotFound):
    code = "fines.payment_not_found"
