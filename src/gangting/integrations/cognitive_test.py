"""The ability-test port (三力测试: 记忆力、判断力、反应力) for drivers aged 70 or more
(机动车驾驶证申领和使用规定 第73条第3款).

A test device (a booth peripheral or the 车管所's terminal) reports a finished test by its
reference: whose, when, and the three parts' results. The fake keeps results in memory or
in its own SQLite file (for the demo and restarts).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from gangting.integrations.store import DocumentStore


@dataclass(frozen=True)
class CognitiveTestResult:
    ref: str
    id_number: str
    taken_on: date
    memory_passed: bool
    judgement_passed: bool
    reaction_passed: bool

    @property
    def passed(self) -> bool:
        """Passed only when all three parts passed."""
        return self.memory_passed and self.judgement_passed and self.reaction_passed


class CognitiveTestDevice(Protocol):
    def find_result(self, ref: str) -> CognitiveTestResult | None: ...

    def close(self) -> None:
        """Release the adapter's connections (the context's end)."""


class FakeCognitiveTestDevice:
    def __init__(self, path: Path | None = None) -> None:
        self._memory: dict[str, CognitiveTestResult] = {}
        self._store = DocumentStore(path) if path is not None else None

    def add_result(self, result: CognitiveTestResult) -> None:
        if self._store is not None:
            body = asdict(result)
            body["taken_on"] = result.taken_on.isoformat()
            self._store.replace(result.ref, body)
        else:
            self._memory[result.ref] = result

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def find_result(self, ref: str) -> CognitiveTestResult | None:
        if self._store is None:
            return self._memory.get(ref)
        body = self._store.get(ref)
        if body is None:
            return None
        body["taken_on"] = date.fromisoformat(str(body["taken_on"]))
        return CognitiveTestResult(**body)
