"""Identifiers: UUIDv7 primary keys, and human reference numbers apart from them."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

import uuid_utils

from gangting.kernel.clock import CITY_ZONE


def new_id() -> uuid.UUID:
    """A time-ordered UUIDv7 (index-friendly primary key)."""
    return uuid.UUID(bytes=uuid_utils.uuid7().bytes)


_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at a counter


def reference(prefix: str, at: datetime) -> str:
    """A human reference: PREFIX + city date + 8 random characters (SL20261126K7M2Q9XA)."""
    day = at.astimezone(CITY_ZONE).strftime("%Y%m%d")
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{prefix}{day}{tail}"
