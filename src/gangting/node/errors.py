"""Named refusals of the kiosk API (the centre's error shape)."""

from gangting.kernel.errors import Conflict, Unauthenticated, Unavailable

UNAVAILABLE_ZH = "服务暂不可用，请稍后再试"


class CentreUnavailable(Unavailable):
    """The centre did not answer (down, unreachable, timed out, 5xx): nothing was done."""

    code = "centre.unavailable"

    def __init__(self, detail: str = "") -> None:
        super().__init__(UNAVAILABLE_ZH, data={"detail": detail} if detail else None)


class SessionRequired(Unauthenticated):
    code = "kiosk.session_required"


class NoCardOnReader(Conflict):
    code = "kiosk.no_card"


class NothingToPrint(Conflict):
    code = "kiosk.nothing_to_print"


class DeviceFault(Unavailable):
    code = "kiosk.device_fault"


class SimulatorsOff(Conflict):
    code = "kiosk.simulators_off"
