from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from gangting.identification.faces import DEFAULT_THRESHOLD, Embedding, FaceVerifier
from gangting.identification.faces.geometry import face_distance

from .conftest import PEOPLE
from .idphoto import simulate_id_photo

GENUINE = [pair for files in PEOPLE.values() for pair in itertools.combinations(files, 2)]
IMPOSTOR = [
    (a, b)
    for (pa, fa), (pb, fb) in itertools.combinations(PEOPLE.items(), 2)
    for a in fa
    for b in fb
]


def test_strict_default_threshold(verifier: FaceVerifier) -> None:
    assert DEFAULT_THRESHOLD == 0.5
    assert verifier.threshold == 0.5


def test_embedding_is_128d_unit_scale(embeddings: dict[str, Embedding]) -> None:
    for emb in embeddings.values():
        assert emb.vector.shape == (128,)
        assert 0.5 < float(np.linalg.norm(emb.vector)) < 1.5
        assert len(emb.face.landmarks) == 5


@pytest.mark.parametrize(("a", "b"), GENUINE)
def test_genuine_pairs_match(
    verifier: FaceVerifier, photos: dict[str, NDArray[np.uint8]], a: str, b: str
) -> None:
    check = verifier.verify(photos[a], photos[b])
    assert check.matched, check
    assert check.distance <= check.threshold == 0.5
    assert check.reasons[-1].message == "人脸与身份证照片一致"


def test_impostor_pairs_do_not_match(embeddings: dict[str, Embedding]) -> None:
    # all 12 cross-person pairs, via the cached descriptors (verify() is exercised above)
    for a, b in IMPOSTOR:
        d = face_distance(embeddings[a].vector, embeddings[b].vector)
        assert d > 0.6, (a, b, d)


def test_impostor_verify_gives_reason(
    verifier: FaceVerifier, photos: dict[str, NDArray[np.uint8]]
) -> None:
    check = verifier.verify(photos["obama_obama.jpg"], photos["biden_biden.jpg"])
    assert not check.matched
    assert check.distance > check.threshold
    assert [r.message for r in check.reasons] == ["人脸与身份证照片不一致"]
    assert check.reasons[0].code == "faces.mismatch"


def test_no_face_gives_reason(verifier: FaceVerifier, photos: dict[str, NDArray[np.uint8]]) -> None:
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, size=(480, 640, 3), dtype=np.uint8)
    blank = np.full((126, 102), 200, dtype=np.uint8)
    assert verifier.embed(noise) is None
    check = verifier.verify(noise, photos["obama_obama.jpg"])
    assert not check.matched and check.distance == float("inf")
    assert [r.code for r in check.reasons] == ["faces.no_face_live"]
    assert "未检测到人脸" in check.reasons[0].message
    check = verifier.verify(photos["obama_obama.jpg"], blank)
    assert [r.code for r in check.reasons] == ["faces.no_face_id_photo"]
    assert "未检测到人脸" in check.reasons[0].message


@pytest.mark.parametrize("person", sorted(PEOPLE))
def test_degraded_id_photo_of_same_person_matches(
    verifier: FaceVerifier,
    photos: dict[str, NDArray[np.uint8]],
    embeddings: dict[str, Embedding],
    person: str,
) -> None:
    """Live photo vs a 102x126, JPEG-40, greyscale 'ID-card photo' made from the other photo."""
    live, source = PEOPLE[person]
    card = simulate_id_photo(photos[source], embeddings[source].face.box, grey=True)
    assert card.ndim == 2 and card.shape == (252, 204)
    check = verifier.verify(photos[live], card)
    assert check.matched, check
    # and the card does not match someone else
    other = next(p for p in sorted(PEOPLE) if p != person)
    assert not verifier.verify(photos[PEOPLE[other][0]], card).matched


def test_threshold_is_configurable(
    verifier: FaceVerifier, photos: dict[str, NDArray[np.uint8]]
) -> None:
    a, b = photos["obama_obama.jpg"], photos["obama_obama2.jpg"]
    assert not verifier.verify(a, b, threshold=0.05).matched
    with pytest.raises(ValueError):
        FaceVerifier(threshold=0.0)


def test_head_turn_challenge_on_still_frames(
    verifier: FaceVerifier, photos: dict[str, NDArray[np.uint8]]
) -> None:
    """A held-up still photo: the same frame over and over never turns."""
    frame = cv2.resize(photos["obama_obama.jpg"], None, fx=0.5, fy=0.5)
    result = verifier.head_turn_challenge([frame] * 4)
    assert not result.passed
    assert result.reasons[0].code == "faces.liveness.no_turn"
    assert all(y is not None and abs(y) < 10 for y in result.yaws)


def test_head_turn_challenge_on_mirrored_photos(
    verifier: FaceVerifier, photos: dict[str, NDArray[np.uint8]]
) -> None:
    """Frontal, turned (a photo with ~30 deg yaw), frontal: passes; the mirror flips the sign."""
    frontal = cv2.resize(photos["obama_obama.jpg"], None, fx=0.5, fy=0.5)
    turned = photos["obama_obama2.jpg"]
    yaw = verifier.yaw(turned)
    mirrored = verifier.yaw(cv2.flip(turned, 1))
    assert yaw is not None and mirrored is not None
    assert abs(yaw) > 20 and yaw * mirrored < 0
    assert verifier.head_turn_challenge(
        [frontal, turned, turned, frontal], min_turn_frames=2
    ).passed
