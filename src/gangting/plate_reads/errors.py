"""Named refusals of plate reads."""

from gangting.kernel.errors import Conflict


class EventIdTaken(Conflict):
    code = "plate_reads.event_id_taken"
