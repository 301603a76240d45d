"""docs/screens/README.md keeps every screen maker's section whichever maker runs last."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.command_centre.browser import README_SECTION as CENTRE_SECTION
from tests.command_centre.test_supervision_screen import README_SECTION as SUPERVISION_SECTION
from tests.instructions import make_screens as officer
from tests.node.kiosk import make_screens as kiosk
from tests.ratings.test_remedy_screen import README_SECTION as REMEDIES_SECTION
from tests.reporting.test_manager_screen import README_SECTION as MANAGER_SECTION
from tests.screens_readme import README, SCREENS, sections, with_section, write_section
from tests.staff.test_login_screens import README_SECTION as LOGIN_SECTION


def _kiosk_rows() -> list[tuple[str, str, Path]]:
    """What the kiosk maker collects, from the screenshots already there."""
    flows = re.findall(r"^### (\S+)$", sections(README.read_text(encoding="utf-8"))["kiosk"], re.M)
    return [
        (flow, p.stem.rsplit("-", 1)[1], p)
        for flow in flows
        for p in sorted((SCREENS / flow).glob("*.png"))
    ]


def test_a_section_is_replaced_in_place_and_the_others_stay() -> None:
    text = with_section("", "kiosk", "kiosk v1")
    text = with_section(text, "officer", "officer v1")
    text = "# Screens\n\nA note by hand.\n\n" + text.split("\n\n", 2)[2]
    text = with_section(text, "kiosk", "kiosk v2\n\nwith two paragraphs")
    assert sections(text) == {
        "kiosk": "kiosk v2\n\nwith two paragraphs\n",
        "officer": "officer v1\n",
    }
    assert text.startswith("# Screens\n\nA note by hand.\n")
    assert text.index("kiosk v2") < text.index("officer v1")


def test_the_index_has_every_makers_section_and_its_links_exist() -> None:
    text = README.read_text(encoding="utf-8")
    assert list(sections(text)) == [
        "kiosk",
        "command-centre",
        "officer",
        "supervision",
        "login",
        "manager",
        "remedies",
    ]
    links = re.findall(r"\]\(([^)]+)\)", text)
    assert len(links) > 100
    missing = [link for link in links if not (SCREENS / link).exists()]
    assert missing == []


def test_running_any_one_maker_keeps_the_other_sections(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    shutil.copy(README, readme)
    before = sections(readme.read_text(encoding="utf-8"))
    writes = {
        "kiosk": kiosk.readme_section(_kiosk_rows()),
        "officer": officer.readme_section(list(officer.OUT.glob("*.png"))),
        "command-centre": CENTRE_SECTION,
        "supervision": SUPERVISION_SECTION,
        "login": LOGIN_SECTION,
        "manager": MANAGER_SECTION,
        "remedies": REMEDIES_SECTION,
    }
    for name, body in writes.items():
        write_section(name, body, readme)
        after = sections(readme.read_text(encoding="utf-8"))
        assert list(after) == list(before)
        assert {k: v for k, v in after.items() if k != name} == {
            k: v for k, v in before.items() if k != name
        }
        assert after[name] == body.strip() + "\n"
    assert readme.read_text(encoding="utf-8") == README.read_text(encoding="utf-8")
