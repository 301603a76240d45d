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
