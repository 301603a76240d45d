from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from gangting.identification.faces import Embedding, FaceVerifier

DATA = Path(__file__).resolve().parents[2] / "data" / "faces"
PEOPLE = {
    "obama": ("obama_obama.jpg", "obama_obama2.jpg"),
    "biden": ("biden_biden.jpg", "biden_biden2.jpg"),
    "kit_harington": ("kit_harington_john1.jpeg", "kit_harington_john2.jpeg"),
}


@pytest.fixture(scope="session")
def verifier() -> FaceVerifier:
    return FaceVerifier()


@pytest.fixture(scope="session")
def photos() -> dict[str, NDArray[np.uint8]]:
    out: dict[str, NDArray[np.uint8]] = {}
    for files in PEOPLE.values():
        for name in files:
            img = cv2.imread(str(DATA / name), cv2.IMREAD_COLOR)
            assert img is not None, name
            out[name] = img
    return out


@pytest.fixture(scope="session")
def embeddings(
    verifier: FaceVerifier, photos: dict[str, NDArray[np.uint8]]
) -> dict[str, Embedding]:
    out: dict[str, Embedding] = {}
    for name, img in photos.items():
        emb = verifier.embed(img)
        assert emb is not None, name
        out[name] = emb
    return out
