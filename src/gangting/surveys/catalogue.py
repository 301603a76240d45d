"""The surveys shipped as package data (``surveys/data/*.json``), parsed once."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from gangting.surveys.rules import Survey, parse_survey


@cache
def packaged_surveys() -> tuple[Survey, ...]:
    """Every shipped survey version, by code then version."""
    folder = resources.files("gangting.surveys") / "data"
    found = [
        parse_survey(json.loads(entry.read_text(encoding="utf-8")))
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    ]
    return tuple(sorted(found, key=lambda s: (s.code, s.version)))


def find_packaged(code: str, version: int | None = None) -> Survey | None:
    """The shipped survey ``code`` at ``version`` (the latest when None), or None."""
    matches = [s for s in packaged_surveys() if s.code == code]
    if version is not None:
        matches = [s for s in matches if s.version == version]
    return matches[-1] if matches else None
