"""Decisions that explain themselves: each reason carries a zh-CN text and its legal basis.

Every decision a citizen sees carries its reasons and legal basis so the booth can say
"why" (the reform's complaint: measures lacked precise operating guidelines).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reason:
    """One reason for a decision.

    ``code`` is stable ("points.other_vehicle_refused"), ``message`` is zh-CN for the
    citizen, ``legal_basis`` are citations such as "记分办法 第14条".
    """

    code: str
    message: str
    legal_basis: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "legal_basis": list(self.legal_basis),
            "data": dict(self.data),
        }


@dataclass(frozen=True)
class Decision:
    """Allowed or refused, always with reasons (for an allowed decision: why it is allowed)."""

    allowed: bool
    reasons: tuple[Reason, ...] = ()

    @classmethod
    def allow(cls, *reasons: Reason) -> Decision:
        return cls(True, tuple(reasons))

    @classmethod
    def refuse(cls, *reasons: Reason) -> Decision:
        if not reasons:
            raise ValueError("a refusal needs at least one reason")
        return cls(False, tuple(reasons))

    @property
    def legal_basis(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for reason in self.reasons:
            for citation in reason.legal_basis:
                seen.setdefault(citation, None)
        return tuple(seen)
