"""Faces: 1:1 live face vs ID-card photo verification and a head-turn liveness challenge."""

from gangting.identification.faces.geometry import face_distance, yaw_from_landmarks
from gangting.identification.faces.liveness import LivenessResult, decide_head_turn
from gangting.identification.faces.verifier import (
    DEFAULT_THRESHOLD,
    Embedding,
    Face,
    FaceCheck,
    FaceVerifier,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "Embedding",
    "Face",
    "FaceCheck",
    "FaceVerifier",
    "LivenessResult",
    "decide_head_turn",
    "face_distance",
    "yaw_from_landmarks",
]
