"""Rating tests run against the real app and database of the API tests (fixtures ``api``,
``world`` and ``booth`` shared from tests/desks/conftest.py)."""

from tests.desks.conftest import api, booth, world

__all__ = ["api", "booth", "world"]
