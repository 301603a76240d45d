"""The learning-platform port (交管学习平台) for study deductions (学法减分, 记分办法 第27条).

The platform reports a finished study: who, which way, how long, exam passed. The fake
keeps completions in memory or in its own SQLite file (for the demo and restarts).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from gangting.integrations.store import DocumentStore


@dataclass(frozen=True)
class StudyCompletion:
    ref: str
    id_number: str
    way: str  # online | onsite | public_welfare
    minutes: int
    exam_passed: bool
    completed_on: date


class LearningPlatform(Protocol):
    def find_completion(self, ref: str) -> StudyCompletion | None: ...

    def close(self) -> None:
        """Release the adapter's connections (the context's end)."""


class FakeLearningPlatform:
    def __init__(self, path: Path | None = None) -> None:
        self._memory: dict[str, StudyCompletion] = {}
        self._store = DocumentStore(path) if path is not None else None

    def add_completion(self, completion: StudyCompletion) -> None:
        if self._store is not None:
            body = asdict(completion)
            body["completed_on"] = completion.completed_on.isoformat()
            self._store.replace(completion.ref, body)
        else:
            self._memory[completion.ref] = completion

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def find_completion(self, ref: str) -> StudyCompletion | None:
        if self._store is None:
            return self._memory.get(ref)
        body = self._store.get(ref)
        if body is None:
            return None
        body["completed_on"] = date.fromisoformat(str(body["completed_on"]))
        return StudyCompletion(**body)
