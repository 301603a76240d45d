"""Pages and docs (issue 12, item 6): every HTML page of the centre and of a booth node
carries a Content-Security-Policy response header with ``frame-ancestors 'none'`` and
``X-Frame-Options: DENY`` (a ``<meta>`` policy cannot forbid framing); HSTS when
GANGTING_HSTS_SECONDS is set; the API documentation only for staff unless the setting says
otherwise, and its pages load nothing from elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gangting.app import create_app
from gangting.config import Settings
from gangting.context import build_context
from gangting.node.app import create_node_app
from gangting.node.config import NodeSettings
from tests.desks.conftest import Api, api, world

__all__ = ["api", "world"]

CENTRE_PAGES = [
    "/m/",
    "/centre/",
    "/centre/records.html",
    "/centre/supervision.html",
    "/centre/remedies.html",
    "/docs",
    "/redoc",
]


def _no_framing(answer: Any) -> None:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in policy
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"


def _centre(tmp_path: Path, **settings: Any) -> Iterator[TestClient]:
    ctx = build_context(
        Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}", var_dir=tmp_path, **settings)
    )
    with TestClient(create_app(ctx), raise_server_exceptions=False) as client:
        yield client
    ctx.close()


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[TestClient]:
    yield from _centre(tmp_path)


@pytest.mark.parametrize("path", CENTRE_PAGES)
def test_every_centre_page_forbids_framing_in_a_header(centre: TestClient, path: str) -> None:
    _no_framing(centre.get(path))


def test_the_kiosk_pages_of_a_booth_node_forbid_framing(tmp_path: Path) -> None:
    settings = NodeSettings(
        booth_code="BT-KDL-001",
        centre_url="http://centre",
        var_dir=tmp_path,
        demo_credentials=tmp_path / "none.txt",
    )
    client = TestClient(create_node_app(settings, background=False))
    answer = client.get("/")
    _no_framing(answer)
    # its own meta policy's sources are kept in the header (only its own origin)
    assert "script-src 'self'" in answer.headers["content-security-policy"]


def test_json_answers_are_not_framable_either(centre: TestClient) -> None:
    answer = centre.get("/healthz")
    assert answer.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" not in answer.headers  # a policy is for documents


def test_no_hsts_by_default(centre: TestClient) -> None:
    assert "strict-transport-security" not in centre.get("/healthz").headers
    assert "strict-transport-security" not in centre.get("/m/").headers


def test_hsts_on_every_answer_when_set(tmp_path: Path) -> None:
    for client in _centre(tmp_path, hsts_seconds=31_536_000):
        for path in ("/healthz", "/m/", "/no-such-page", "/openapi.json"):
            value = client.get(path).headers["strict-transport-security"]
            assert value == "max-age=31536000; includeSubDomains", path


def test_the_docs_pages_load_nothing_from_elsewhere(centre: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        html = centre.get(path).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources, html
        assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
        assert "cdn" not in html.lower()
        assert "<script>" not in html  # no inline script: the policy allows none
    script = centre.get("/api-docs.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")


def test_the_api_document_is_for_staff_by_default(api: Api, world: dict[str, Any]) -> None:
    assert api.ctx.settings.api_docs == "staff"
    answer = api.client.get("/openapi.json")
    assert answer.status_code == 401
    assert answer.json()["error"] == "auth.required"
    booth = {"Authorization": f"Bearer {api.login_booth()}"}
    answer = api.client.get("/openapi.json", headers=booth)
    assert answer.status_code == 403
    assert answer.json()["error"] == "docs.staff_only"
    staff = {"Authorization": f"Bearer {api.login_staff('off-kdl')}"}
    answer = api.client.get("/openapi.json", headers=staff)
    assert answer.status_code == 200
    assert "/api/v1/payments/quote" in answer.json()["paths"]


def test_the_demo_shows_the_api_document_to_anyone(tmp_path: Path) -> None:
    for client in _centre(tmp_path, api_docs="public"):
        answer = client.get("/openapi.json")
        assert answer.status_code == 200
        assert answer.json()["info"]["title"] == "岗亭 gangting API"


def test_the_api_documentation_can_be_switched_off(tmp_path: Path) -> None:
    for client in _centre(tmp_path, api_docs="off"):
        for path in ("/openapi.json", "/docs", "/redoc", "/api-docs.js"):
            assert client.get(path).status_code == 404, path
        assert client.get("/healthz").status_code == 200
