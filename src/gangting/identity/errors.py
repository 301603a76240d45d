"""Named errors of the identity check (人证核验)."""

from gangting.kernel.errors import Forbidden, NotFound, Unauthenticated


class CitizenNotFound(NotFound):
    code = "identity.citizen_not_found"


class FaceMismatch(Forbidden):
    code = "identity.face_mismatch"


class IdentityRequired(Unauthenticated):
    code = "identity.required"
