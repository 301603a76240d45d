"""Worker tests use the real app and database of the API tests."""

from tests.desks.conftest import api, world

__all__ = ["api", "world"]
