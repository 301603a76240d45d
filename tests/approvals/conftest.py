"""Two-keys tests run against the real app and database of the API tests (fixtures ``api``
and ``world`` shared from tests/desks/conftest.py)."""

from tests.desks.conftest import api, world

__all__ = ["api", "world"]
