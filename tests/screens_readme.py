"""docs/screens/README.md, the index of every screenshot folder, shared by the screen
makers: each owns one section between markers and rewrites only that one, so running one
maker keeps the others' sections (and any text outside the markers).

    <!-- screens:kiosk -->
    …
    <!-- /screens:kiosk -->
"""

from __future__ import annotations

import os
import re
from pathlib import Path

SCREENS = Path(__file__).resolve().parents[1] / "docs" / "screens"
README = SCREENS / "README.md"
TITLE = "# Screens (界面截图)\n\nEach section is written by the screen maker it names."

_SECTION = re.compile(
    r"<!-- screens:(?P<name>[a-z0-9-]+) -->\n(?P<body>.*?)<!-- /screens:(?P=name) -->\n?",
    re.DOTALL,
)


def sections(text: str) -> dict[str, str]:
    """The sections of a README, by name, in the order they appear."""
    return {m["name"]: m["body"] for m in _SECTION.finditer(text)}


def with_section(text: str, name: str, body: str) -> str:
    """``text`` with section ``name`` holding ``body`` (in place, else appended)."""
    if not re.fullmatch(r"[a-z0-9-]+", name):
        raise ValueError(f"unusable section name {name!r}")
    block = f"<!-- screens:{name} -->\n{body.strip()}\n<!-- /screens:{name} -->\n"
    for m in _SECTION.finditer(text):
        if m["name"] == name:
            return text[: m.start()] + block + text[m.end() :]
    base = text.rstrip("\n") if text.strip() else TITLE
    return f"{base}\n\n{block}"


def write_section(name: str, body: str, readme: Path = README) -> None:
    """Rewrite this maker's section of ``readme``, keeping everything else."""
    readme.parent.mkdir(parents=True, exist_ok=True)
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    readme.write_text(with_section(text, name, body), encoding="utf-8")


def shots_folder(name: str, shots: Path, section: str, tmp: Path) -> Path:
    """Where a screen maker puts its screenshots: with GANGTING_WRITE_SCREENS=1 its docs
    folder ``shots`` (and its README section ``name`` rewritten to ``section``), else a
    folder under the test's ``tmp``."""
    if os.environ.get("GANGTING_WRITE_SCREENS") == "1":
        shots.mkdir(parents=True, exist_ok=True)
        write_section(name, section, shots.parent / "README.md")
        return shots
    out = tmp / "shots"
    out.mkdir(exist_ok=True)
    return out
