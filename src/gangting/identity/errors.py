"""Named errors of the identity check (人证核验)."""

from gangting.kernel.errors import Forbidden, Invalid, NotFound, Unauthenticated


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


class ScoreOnlyRefused(Invalid):
    """A bare match score without the booth's signed evidence (issue 12 §3)."""

    code = "identity.score_only_refused"


class EvidenceRequired(Invalid):
    code = "identity.evidence_required"


class NonceInvalid(Forbidden):
    """Not issued to this booth, expired, or already used."""

    code = "identity.nonce_invalid"


class SignatureInvalid(Forbidden):
    code = "identity.signature_invalid"


class BoothKeyMissing(Forbidden):
    """The booth has no public key in the registry: it cannot sign evidence."""

    code = "identity.booth_key_missing"


class EvidenceTimeOutOfWindow(Forbidden):
    code = "identity.evidence_time"
