"""Named refusals of the licences domain."""

from gangting.kernel.errors import Conflict


class NoLicence(Conflict):
    code = "licences.not_found"
