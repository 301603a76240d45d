"""Screenshots of the officers' phone page (390x844) into docs/screens/officer/ and the
officer section of docs/screens/README.md (the other makers' sections stay):

    .venv/bin/python -m tests.instructions.make_screens

against a real centre started here on a fresh migrated SQLite file."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from gangting.kernel.clock import FixedClock
from gangting.kernel.db import make_engine
from gangting.migrate import upgrade
from tests.conftest import NOW
from tests.instructions.officer_site import (
    CHROMIUM_ARGS,
    PHONE,
    chromium,
    officer_flow,
    officer_site,
)
from tests.screens_readme import SCREENS, write_section

OUT = SCREENS / "officer"


def readme_section(shots: list[Path]) -> str:
    """The officer page's section of docs/screens/README.md."""
    lines = [
        "## Officer's phone page (民警手机端)",
        "",
        "390x844 (`/m/`). Regenerate with `.venv/bin/python -m tests.instructions.make_screens`.",
        "",
        "| screen | png |",
        "|---|---|",
    ]
    lines += [f"| {p.stem} | [png]({OUT.name}/{p.name}) |" for p in sorted(shots)]
    return "\n".join(lines) + "\n"


def main() -> None:
    executable = chromium()
    if executable is None:
        raise SystemExit("system Chromium not installed")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "centre.db"
        engine = make_engine(f"sqlite:///{db}")
        upgrade(engine)
        engine.dispose()
        shutil.rmtree(OUT, ignore_errors=True)
        with officer_site(db, Path(tmp), FixedClock(NOW)) as site, sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
            officer_flow(context.new_page(), site, OUT)
            browser.close()
    write_section("officer", readme_section(list(OUT.glob("*.png"))), SCREENS / "README.md")
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()
