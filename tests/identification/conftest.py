from __future__ import annotations

import pytest

from gangting.identification.plates import PlateReader


@pytest.fixture(scope="session")
def reader() -> PlateReader:
    return PlateReader()
