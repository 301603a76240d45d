"""The manager page's API and the report downloads (issue 13 §5): staff login required,
supervisors and administrators only, bad periods refused in zh-CN with a stable code, the
downloads are the documents."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from gangting.app import create_app
from gangting.config import Settings
from gangting.context import build_context
from gangting.integrations.learning import FakeLearningPlatform
from gangting.integrations.payment import FakePaymentPlatform
from gangting.kernel.clock import FixedClock
from tests import builders
from tests.reporting.synthetic import fill
from tests.reporting.world import open_world

NOW = datetime(2026, 11, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def client(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("reports-api")
    db = tmp / "centre.db"
    shutil.copy(sqlite_template, db)
    url = f"sqlite:///{db}"
    w = open_world(url)
    fill(w)
    w.staff("sup", "supervisor")
    w.staff("off", "officer")
    w.staff("sup-kdl", "supervisor", booth="BT-KDL-001")
    w.engine.dispose()
    clock = FixedClock(NOW)
    ctx = build_context(
        Settings(database_url=url, var_dir=tmp),
        clock=clock,
        payments=FakePaymentPlatform(tmp / "pay.db", clock=clock),
        learning=FakeLearningPlatform(),
    )
    with TestClient(create_app(ctx), raise_server_exceptions=False) as c:
        yield c
    ctx.close()


def _auth(client: TestClient, username: str) -> dict[str, str]:
    return builders.staff_auth(client, username)


def test_login_and_role_are_required(client: TestClient) -> None:
    assert client.get("/api/v1/staff/reports/overview").status_code == 401
    assert client.get("/api/v1/staff/reports/monthly.pdf").status_code == 401
    r = client.get("/api/v1/staff/reports/overview", headers=_auth(client, "off"))
    assert r.status_code == 403 and r.json()["error"] == "auth.role_required"
    assert "督察" in r.json()["message"]


def test_overview_defaults_to_the_last_twelve_months(client: TestClient) -> None:
    r = client.get("/api/v1/staff/reports/overview", headers=_auth(client, "sup"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert (body["from"], body["to"]) == ("2025-11-01", "2026-10-31")
    assert [m["month"] for m in body["months"]][0] == "2025-11" and len(body["months"]) == 12
    assert body["total"]["visits"] == sum(m["visits"] for m in body["months"])
    completed = [b["completed"] for b in body["booths"]]
    assert completed == sorted(completed, reverse=True) and len(completed) == 4
    assert body["ratings"] and all(0 <= (x["good_rate"] or 0) <= 1 for x in body["ratings"])
    assert body["assumptions"]["road_factor"] == 1.3


def test_kpis_by_district_and_month(client: TestClient) -> None:
    r = client.get(
        "/api/v1/staff/reports/kpis",
        params={"from": "2026-10-01", "to": "2026-10-31", "by": "district,month"},
        headers=_auth(client, "sup"),
    )
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert {x["month"] for x in rows} == {"2026-10"}
    assert {x["district_code"] for x in rows} == {"150202", "150203", "150204", "150207"}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-13-01"}, "reports.period_invalid"),
        ({"from": "2026-10-31", "to": "2026-10-01"}, "reports.period_invalid"),
        ({"from": "2020-01-01", "to": "2026-10-31"}, "reports.period_invalid"),
        ({"by": "planet"}, "reports.by_invalid"),
    ],
)
def test_bad_input_is_a_clear_422(client: TestClient, params: dict[str, str], code: str) -> None:
    r = client.get("/api/v1/staff/reports/kpis", params=params, headers=_auth(client, "sup"))
    assert r.status_code == 422 and r.json()["error"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["message"])


def test_reform_estimates_with_plots(client: TestClient) -> None:
    r = client.get(
        "/api/v1/staff/reports/reform",
        params={"from": "2025-01-01", "to": "2026-10-31"},
        headers=_auth(client, "sup"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["control"] == "never" and len(body["months"]) == 22
    hall = body["effects"][0]
    assert hall["outcome"] == "hall_visits" and hall["result"]["overall"]["att"] < 0
    assert hall["svg"].startswith("<svg") and hall["sentence"]


def test_downloads(client: TestClient) -> None:
    h = _auth(client, "sup")
    q = {"from": "2026-10-01", "to": "2026-10-31"}
    html = client.get("/api/v1/staff/reports/monthly.html", params=q, headers=h)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert (
        'filename="gangting-monthly-20261001-20261031.html"' in html.headers["content-disposition"]
    )
    assert "服务月报" in html.text
    pdf = client.get("/api/v1/staff/reports/monthly.pdf", params=q, headers=h)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert client.get("/api/v1/staff/reports/weekly.pdf", headers=h).json()["error"] == (
        "reports.format_invalid"
    )
    assert client.get("/api/v1/staff/reports/monthly.docx", headers=h).status_code == 422


def test_a_brigade_supervisor_sees_the_booths_of_their_unit(client: TestClient) -> None:
    h = _auth(client, "sup-kdl")
    q = {"from": "2026-01-01", "to": "2026-10-31"}
    body = client.get("/api/v1/staff/reports/overview", params=q, headers=h).json()
    assert [b["booth_code"] for b in body["booths"]] == ["BT-KDL-001"]
    assert [r["key"] for r in body["ratings"]] == ["BT-KDL-001"]
    assert body["total"]["visits"] == body["booths"][0]["visits"]
    html = client.get("/api/v1/staff/reports/monthly.html", params=q, headers=h).text
    assert "BT-KDL-001" in html and "BT-DH-001" not in html
    assert "本单位辖区 1 个岗亭" in html
    everyone = client.get(
        "/api/v1/staff/reports/overview", params=q, headers=_auth(client, "sup")
    ).json()
    assert len(everyone["booths"]) == 4
