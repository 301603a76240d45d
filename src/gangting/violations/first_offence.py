"""The first-offence list (首违不罚清单) as configured: the packaged example
(``data/first_offence_codes.json``, see ``data/SOURCE.md``) or the province's list at
``GANGTING_FIRST_OFFENCE_LIST_PATH``. Read once per path."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from gangting.violations.rules import FirstOffenceList

PACKAGED = "data/first_offence_codes.json"


@lru_cache(maxsize=4)
def load_first_offence_list(path: str | None = None) -> FirstOffenceList:
    """The list at ``path`` (a JSON file), or the packaged example when ``path`` is None."""
    if path is None:
        text = resources.files("gangting.violations").joinpath(PACKAGED).read_text("utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return FirstOffenceList.from_json(text)
