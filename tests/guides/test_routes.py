"""The guides in public: the JSON API, the zh-CN pages under the house CSP, the PDF with its
fonts embedded and a page that is not blank; and a refused booth call that points at the
failed condition of its guide."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from gangting.app import create_app
from gangting.applications.rules import SERVICE_ZH
from gangting.config import Settings
from gangting.context import build_context
from gangting.licences.guide import renewal_window_days
from tests import builders
from tests.desks.conftest import Api, Booth, api, world

__all__ = ["api", "world"]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screens" / "guides"


@pytest.fixture(scope="module")
def client(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("guides")
    shutil.copy(sqlite_template, tmp / "c.db")
    ctx = build_context(
        Settings(database_url=f"sqlite:///{tmp / 'c.db'}", var_dir=tmp, fine_deferral_max_days=60)
    )
    with TestClient(create_app(ctx), raise_server_exceptions=False) as c:
        yield c
    ctx.close()


def test_the_list_names_every_business_without_a_login(client: TestClient) -> None:
    r = client.get("/api/v1/guides")
    assert r.status_code == 200, r.text
    guides = r.json()["guides"]
    assert [g["business"] for g in guides] and {g["business"] for g in guides} == set(SERVICE_ZH)
    for g in guides:
        assert g["title"] == SERVICE_ZH[g["business"]]
        assert re.fullmatch(r"\d{8}-[0-9a-f]{10}", g["version"])
        assert g["url"] == f"/guides/{g['business']}.html"


def test_one_guide_carries_the_running_settings(client: TestClient) -> None:
    r = client.get("/api/v1/guides/apply_fine_deferral")
    assert r.status_code == 200, r.text
    body = r.json()
    assert any("缴款期限后60日" in c["text"] for c in body["conditions"])
    for key in (
        "applicants",
        "materials",
        "steps",
        "legal_basis",
        "fees",
        "time_limits",
        "channels",
    ):
        assert body[key], key


def test_an_unknown_business_is_a_named_404(client: TestClient) -> None:
    r = client.get("/api/v1/guides/no_such_business")
    assert r.status_code == 404
    assert r.json()["error"] == "guides.not_found" and "办事指南" in r.json()["message"]
    assert client.get("/api/v1/guides/BAD-NAME").status_code == 422
    assert client.get("/guides/no_such_business.html").status_code == 404


def test_the_pages_are_zh_cn_under_the_csp_with_local_assets(client: TestClient) -> None:
    index = client.get("/guides/")
    assert index.status_code == 200
    assert "default-src 'self'" in index.headers["content-security-policy"]
    assert '<html lang="zh-CN">' in index.text
    for business, title in SERVICE_ZH.items():
        assert f'href="/guides/{business}.html"' in index.text and title in index.text
    page = client.get("/guides/renewal.html")
    assert page.status_code == 200
    assert 'id="licences.renewal_too_early"' in page.text
    assert "<style" not in page.text and "<script" not in page.text
    for src in re.findall(r'(?:href|src)="([^"]+)"', page.text):
        assert src.startswith("/") or src.startswith("#"), src
    css = client.get("/guides/static/guides.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert client.get("/guides/static/other.css").status_code == 404


def test_the_pdf_embeds_its_fonts_and_is_not_blank(client: TestClient, tmp_path: Path) -> None:
    if shutil.which("pdffonts") is None or shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils not installed")
    r = client.get("/guides/renewal.pdf")
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "renewal.pdf"
    pdf.write_bytes(r.content)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows, fonts.stdout
    for row in rows:  # the "emb" column: every font embedded
        assert " yes " in row, row
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    png = next(tmp_path.glob("p*.png"))
    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > image.width * image.height * 0.01  # text on the page
    if os.environ.get("GANGTING_WRITE_SCREENS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(png, SHOTS / "renewal-pdf-page1.png")


def test_a_refused_booth_call_points_at_its_condition(
    api: Api, world: dict[str, Any], client: TestClient
) -> None:
    with api.ctx.uow() as uow:
        person = builders.citizen(
            uow, name="李娜", expires_on=date(2027, 6, 1), valid_from=date(2017, 6, 1)
        ).id_number
    booth = Booth(api, api.login_booth())
    assert booth.verify(person).status_code == 200
    cert = {
        "certificate_no": "TJ2026119999",
        "institution": "包头市中心医院",
        "issued_on": "2026-11-20",
    }
    r = booth.post("/api/v1/licences/renewal", {"health_certificate": cert})
    assert r.status_code == 409
    pointer = r.json()["data"]["guide"]
    assert pointer == {
        "business": "renewal",
        "condition": "licences.renewal_too_early",
        "url": "/guides/renewal.html#licences.renewal_too_early",
    }
    guide = client.get("/api/v1/guides/renewal").json()
    condition = next(c for c in guide["conditions"] if pointer["condition"] in c["codes"])
    assert f"{renewal_window_days()}日内" in condition["text"]
    page = client.get(pointer["url"].split("#")[0])
    assert f'id="{pointer["condition"]}"' in page.text
