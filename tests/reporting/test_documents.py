"""The two reports as files (issue 13 §5): self-contained HTML (no external URL anywhere, the
CJK font inlined), PDF with its fonts embedded and pages that are not blank, and the
``gangting report`` command with its progress bar. Over the small synthetic city on SQLite
(the SQL itself is tested on both engines in test_kpis/test_reform)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from gangting.config import Settings
from gangting.reporting import service
from gangting.reporting.pdf import ExternalResourceRefused, html_to_pdf
from tests.reporting.synthetic import END, START, fill
from tests.reporting.world import open_world

NOW = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screens" / "reports"
# an attribute, CSS url() or @import that names a http(s) resource
EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|action|poster|data|srcset)\s*=\s*["']?\s*https?://"""
    r"""|url\(\s*["']?\s*https?://|@import\s+["']?https?://|<!DOCTYPE[^>]*https?://)""",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def city_db(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("city") / "city.db"
    shutil.copy(sqlite_template, db)
    url = f"sqlite:///{db}"
    w = open_world(url)
    fill(w)
    w.engine.dispose()
    yield url


def _render(url: str, kind: str, fmt: str, start: date, end: date) -> bytes:
    w = open_world(url)
    try:
        with w.session() as s:
            steps: list[str] = []
            body = service.render(
                s, Settings(database_url=url), kind, fmt, start, end, NOW, progress=steps.append
            )
    finally:
        w.engine.dispose()
    assert steps[-1] == fmt
    return body


@pytest.fixture(scope="module")
def monthly_html(city_db: str) -> str:
    return _render(city_db, "monthly", "html", date(2026, 10, 1), date(2026, 10, 31)).decode()


@pytest.fixture(scope="module")
def reform_html(city_db: str) -> str:
    return _render(city_db, "reform", "html", START, END).decode()


def test_the_external_reference_check_catches_what_it_should() -> None:
    assert EXTERNAL.search('<img src="https://cdn.example/x.png">')
    assert EXTERNAL.search("<style>@import 'http://x/y.css';</style>")
    assert EXTERNAL.search("body{background:url(https://x/y.png)}")
    assert not EXTERNAL.search('<svg xmlns="http://www.w3.org/2000/svg">')


@pytest.mark.parametrize("which", ["monthly_html", "reform_html"])
def test_html_is_self_contained(which: str, request: pytest.FixtureRequest) -> None:
    html: str = request.getfixturevalue(which)
    assert html.startswith("<!doctype html>") and 'lang="zh-CN"' in html
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    # no link/script tags at all, the font inlined, charts inline
    assert "<link" not in html and "<script" not in html
    assert "@font-face" in html and "url(data:font/woff2;base64," in html
    assert html.count("<svg") >= 2
    # every http(s) string left is an XML namespace name, never a resource
    for m in re.finditer(r"https?://[^\s\"'<>)]+", html):
        assert m.group(0).startswith("http://www.w3.org/"), m.group(0)


def test_monthly_html_says_what_the_period_holds(monthly_html: str) -> None:
    for words in (
        "服务月报",
        "一次办结率",
        "岗亭排名",
        "拒办原因",
        "岗亭启用前后",
        "好差评",
        "口径与假设",
    ):
        assert words in monthly_html
    assert "2026-10-01 至 2026-10-31" in monthly_html
    assert "BT-KDL-001" in monthly_html


def test_reform_html_has_estimates_plots_and_caveats(reform_html: str) -> None:
    for words in ("改革成效评估报告", "平行趋势", "事件研究", "置信区间", "注意事项", "SUTVA"):
        assert words in reform_html
    assert reform_html.count("<figure>") == 3  # one event study per estimated outcome
    assert "无法估计：期间内没有可归到区的违法处理记录" in reform_html  # no decisions here


@pytest.mark.parametrize(
    ("kind", "start", "end"),
    [("reform", START, END), ("monthly", date(2026, 10, 1), date(2026, 10, 31))],
)
def test_pdf_embeds_its_fonts_and_its_pages_are_not_blank(
    city_db: str, tmp_path: Path, kind: str, start: date, end: date
) -> None:
    pdf = _render(city_db, kind, "pdf", start, end)
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdffonts") is None or shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils not installed")
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows, fonts.stdout
    assert any("CJK" in r for r in rows)
    for row in rows:  # name type encoding emb sub uni object ID: "emb" is yes for every font
        cols = row.split()
        assert cols[-5] == "yes", row
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    for page in pages:
        grey = Image.open(page).convert("L")
        stat = ImageStat.Stat(grey)
        # a blank page is uniformly white; a page with text and charts has dark pixels
        assert stat.extrema[0][0] < 100 and stat.stddev[0] > 10, page
    # GANGTING_WRITE_SCREENS=1: the pages into docs/screens/reports/ (to look at)
    if os.environ.get("GANGTING_WRITE_SCREENS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        for page in pages:
            shutil.copy(page, SHOTS / f"{kind}-pdf-{page.stem.split('-')[-1]}.png")


def test_pdf_printing_fetches_nothing() -> None:
    with pytest.raises(ExternalResourceRefused):
        html_to_pdf('<html><body><img src="http://192.0.2.1/x.png"></body></html>')


def test_the_command_writes_the_report_with_a_progress_bar(city_db: str, tmp_path: Path) -> None:
    out = tmp_path / "monthly.html"
    env = {
        "GANGTING_DATABASE_URL": city_db,
        "GANGTING_DEMO_CLOCK": "2026-11-05T10:00:00+08:00",
        "PYTHONPATH": ":".join(sys.path),
        "COLUMNS": "120",
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "gangting.cli",
            "report",
            "monthly",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--format",
            "html",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    assert "━" in run.stdout and "6/6" in run.stdout  # the bar, all steps done
    assert "报告已生成" in run.stdout
    assert not EXTERNAL.search(out.read_text(encoding="utf-8"))
    bad = subprocess.run(
        [sys.executable, "-m", "gangting.cli", "report", "monthly", "--from", "2026-11-31"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert bad.returncode == 2 and "reports.period_invalid" in bad.stdout
