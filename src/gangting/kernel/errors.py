"""The error family: every expected refusal is a DomainError with a stable code.

One handler (see ``gangting.web.errors``) renders ``{"error", "message", "data"}``;
services never raise HTTP exceptions.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A named, expected refusal with a stable ``code`` and a zh-CN ``message``.

    ``legal_basis`` lists citations (``kernel.law.cite``) when the refusal follows a rule.
    """

    http_status: int = 409
    code: str = "domain.error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        data: dict[str, Any] | None = None,
        legal_basis: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.data: dict[str, Any] = dict(data or {})
        self.legal_basis: list[str] = list(legal_basis or [])

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.data)
        if self.legal_basis:
            data.setdefault("legal_basis", self.legal_basis)
        return {"error": self.code, "message": self.message, "data": data}


class NotFound(DomainError):
    http_status = 404
    code = "not_found"


class Forbidden(DomainError):
    http_status = 403
    code = "forbidden"


class Unauthenticated(DomainError):
    http_status = 401
    code = "auth.required"


class Conflict(DomainError):
    """The request conflicts with the current state (a business refusal)."""

    http_status = 409
    code = "conflict"


class Invalid(DomainError):
    """Malformed input: the request can never succeed as written."""

    http_status = 422
    code = "invalid"


class Unavailable(DomainError):
    """An outside system (payment platform, learning platform) did not answer in time."""

    http_status = 503
    code = "unavailable"
