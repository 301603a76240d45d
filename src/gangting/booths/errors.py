"""Named refusals of booth reports."""

from gangting.kernel.errors import Forbidden, NotFound


class BoothMismatch(Forbidden):
    code = "booths.mismatch"


class ReceiptUnknown(NotFound):
    code = "booths.receipt_unknown"
