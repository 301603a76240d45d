"""The learning-platform port (交管学习平台): study deductions (学法减分, 记分办法 第27条),
the full-score study and exams (满分学习、考试, 第18–22条) and the review study (审验教育,
驾驶证规定 第73条第2款).

The platform reports a finished study: who, which way, how long, exam passed; and, per
person, the education records (study days and exam results). The fake keeps them in memory
or in its own SQLite file (for the demo and restarts).
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


@dataclass(frozen=True)
class EducationRecord:
    """One education record of a person: a day's full-score study (``kind`` full_score_study,
    ``way`` onsite | online | self, ``minutes``), a full-score exam (``kind`` full_score_exam,
    ``exam`` theory | field_skill | road_skill, ``passed``) or review study (``kind``
    review_study, ``minutes``)."""

    ref: str
    id_number: str
    kind: str  # full_score_study | full_score_exam | review_study
    on: date
    minutes: int = 0
    way: str | None = None
    exam: str | None = None
    passed: bool | None = None


class LearningPlatform(Protocol):
    def find_completion(self, ref: str) -> StudyCompletion | None: ...

    def education_records(self, id_number: str) -> list[EducationRecord]:
        """Every education record of the person, oldest first."""
        ...

    def close(self) -> None:
        """Release the adapter's connections (the context's end)."""


class FakeLearningPlatform:
    def __init__(self, path: Path | None = None) -> None:
        self._memory: dict[str, StudyCompletion] = {}
        self._education: dict[str, list[dict[str, object]]] = {}
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

    def add_education(self, record: EducationRecord) -> None:
        key = f"education:{record.id_number}"
        rows = [r for r in self._education_bodies(key) if r["ref"] != record.ref]
        body = asdict(record)
        body["on"] = record.on.isoformat()
        rows.append(body)
        if self._store is not None:
            self._store.replace(key, {"records": rows})
        else:
            self._education[key] = rows

    def _education_bodies(self, key: str) -> list[dict[str, object]]:
        if self._store is None:
            return list(self._education.get(key, []))
        doc = self._store.get(key)
        return [] if doc is None else list(doc["records"])

    def education_records(self, id_number: str) -> list[EducationRecord]:
        records = []
        for body in self._education_bodies(f"education:{id_number}"):
            row = dict(body)
            row["on"] = date.fromisoformat(str(row["on"]))
            records.append(EducationRecord(**row))  # type: ignore[arg-type]
        return sorted(records, key=lambda r: (r.on, r.ref))

    def find_completion(self, ref: str) -> StudyCompletion | None:
        if self._store is None:
            return self._memory.get(ref)
        body = self._store.get(ref)
        if body is None:
            return None
        body["completed_on"] = date.fromisoformat(str(body["completed_on"]))
        return StudyCompletion(**body)
