"""Who is acting: a booth device, a staff member, or the system itself."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Actor:
    kind: Literal["booth", "staff", "system"]
    id: uuid.UUID | None
    name: str
    role: str | None = None  # officer | supervisor | admin (staff only)
    org_path: str | None = None  # scope in the org tree

    @property
    def booth_id(self) -> uuid.UUID | None:
        return self.id if self.kind == "booth" else None

    @property
    def scope(self) -> str:
        """Idempotency scope: each caller has its own key space."""
        return f"{self.kind}:{self.id}"


SYSTEM = Actor(kind="system", id=None, name="system")
