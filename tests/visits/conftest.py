"""The desks' API fixtures: the write path is tested through the real booth API."""

from tests.desks.conftest import api, booth, world

__all__ = ["api", "booth", "world"]
