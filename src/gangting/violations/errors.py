"""Named refusals of violation processing."""

from gangting.kernel.errors import Conflict, Forbidden, NotFound


class ViolationNotFound(NotFound):
    code = "violations.not_found"


class AlreadyProcessed(Conflict):
    code = "violations.already_processed"


class NotProcessableAtBooth(Conflict):
    code = "violations.not_processable_at_booth"


class OtherVehicleRefused(Conflict):
    code = "points.other_vehicle_refused"


class NotYourViolation(Forbidden):
    code = "violations.not_yours"


class UnderObjection(Conflict):
    """An objection to the record is being reviewed (处理程序规定 第5条第3款): the act is
    not processed until the unit of the place answers it."""

    code = "violations.under_objection"
