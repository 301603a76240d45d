from __future__ import annotations

import pytest

from gangting.identification.documents import OcrEngine
from tests.identification.documents.render import SANS, SANS_BOLD, SERIF


@pytest.fixture(scope="session")
def engine() -> OcrEngine:
    """One engine for the session: the three OCR models are loaded once (~1 s)."""
    for font in (SANS, SANS_BOLD, SERIF):
        # CI installs fonts-noto-cjk (./dev ensure_browser); without it nothing can be drawn.
        assert font.exists(), f"{font} is missing: apt-get install fonts-noto-cjk"
    engine = OcrEngine(threads=2)
    engine.load()
    return engine
