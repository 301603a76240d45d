"""Named refusals of booth reports, booth messages and remote commands."""

from gangting.kernel.errors import Conflict, Forbidden, Invalid, NotFound


class BoothMismatch(Forbidden):
    code = "booths.mismatch"


class ReceiptUnknown(NotFound):
    code = "booths.receipt_unknown"


class BoothUnknown(NotFound):
    code = "booths.not_found"


class BoothDisabled(Forbidden):
    code = "booths.disabled"


class TopicUnknown(Invalid):
    """A message on a topic outside the documented scheme."""

    code = "booths.topic_unknown"


class PayloadInvalid(Invalid):
    """A message whose body does not decode into its versioned payload."""

    code = "booths.payload_invalid"


class PayloadVersionUnsupported(Invalid):
    """A payload of another major version than this centre reads."""

    code = "booths.payload_version_unsupported"


class CommandUnknown(NotFound):
    code = "booths.command_not_found"


class CommandParamsInvalid(Invalid):
    code = "booths.command_params_invalid"


class CommandFinished(Conflict):
    code = "booths.command_finished"


class HelpCallIdTaken(Conflict):
    """A help call's id (made by the booth) that another booth already reported."""

    code = "booths.help_call_id_taken"


class BoothClockSkew(Invalid):
    """A booth's timestamp outside the window the centre accepts around its own time
    (``gangting.booths.clock``): too far ahead, or older than a node may hold a record."""

    code = "booths.clock_skew"
