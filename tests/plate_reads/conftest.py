"""Plate-read tests run against the real app and database of the API tests (fixtures
``api`` and ``world`` shared from tests/api/conftest.py)."""

from tests.api.conftest import api, world

__all__ = ["api", "world"]
