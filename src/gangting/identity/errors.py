"""Named errors of the identity check (人证核验)."""

from gangting.kernel.errors import Forbidden, NotFound, Unauthenticated


class CitizenNotFound(NotFound):
    code = "identity.citizen_not_found"


class FaceMismatch(Forbidden):
    code = "identity.face_mismatch"


class LivenessFailed(Forbidden):
    code = "identity.liveness_failed"


class FaceThresholdTooLoose(Forbidden):
    code = "identity.threshold_too_loose"


class IdentityRequired(Unauthenticated):
    code = "identity.required"
