"""Turning a refused Decision into a named error that carries all its reasons."""

from __future__ import annotations

from gangting.kernel.decision import Decision
from gangting.kernel.errors import Conflict


class Refused(Conflict):
    """A business refusal with every failing reason and its legal basis."""

    code = "refused"


def ensure_allowed(decision: Decision, *, code: str | None = None) -> None:
    if decision.allowed:
        return
    first = decision.reasons[0]
    raise Refused(
        "；".join(r.message for r in decision.reasons),
        code=code or first.code,
        data={"reasons": [r.to_dict() for r in decision.reasons]},
        legal_basis=list(decision.legal_basis),
    )
