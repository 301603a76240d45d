"""GET /api/v1/staff/audit is cut by org unit: a supervisor reads the entries of the booths
and staff accounts of the units in scope; the system's entries are the admins' only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gangting.app import create_app
from gangting.audit import service as audit
from gangting.config import Settings
from gangting.context import build_context
from gangting.integrations.learning import FakeLearningPlatform
from gangting.integrations.payment import FakePaymentPlatform
from gangting.kernel.actor import SYSTEM, Actor
from gangting.kernel.clock import FixedClock
from tests import builders

# subject_id of each planted entry: who wrote it
EVERY = (
    "booth-kdl",
    "booth-kdl-1",
    "booth-qs",
    "staff-kdl",
    "staff-kdl-1",
    "staff-qs",
    "staff-top",
    "system",
)


@pytest.fixture
def client(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, var_dir=tmp_path)
    ctx = build_context(
        settings,
        clock=clock,
        payments=FakePaymentPlatform(tmp_path / "pay.db", clock=clock),
        learning=FakeLearningPlatform(),
    )
    with ctx.uow() as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        kdl = builders.org_unit(uow, "KDL", top)
        kdl_1 = builders.org_unit(uow, "KDL-1", kdl, kind="squadron")
        # a sibling whose path starts with the same letters: a prefix without "/" would leak
        qs = builders.org_unit(uow, "KDLX", top)
        booths = {
            "booth-kdl": builders.booth(uow, kdl, code="BT-KDL-001"),
            "booth-kdl-1": builders.booth(uow, kdl_1, code="BT-KDL-101"),
            "booth-qs": builders.booth(uow, qs, code="BT-KDLX-001"),
        }
        accounts = {
            "staff-kdl": (builders.staff(uow, kdl, "sup-kdl", "supervisor"), kdl),
            "staff-kdl-1": (builders.staff(uow, kdl_1, "off-kdl-1", "officer"), kdl_1),
            "staff-qs": (builders.staff(uow, qs, "sup-qs", "supervisor"), qs),
            "staff-top": (builders.staff(uow, top, "admin", "admin"), top),
        }
        actors = {key: Actor("booth", b.id, b.code) for key, b in booths.items()}
        for key, (account, unit) in accounts.items():
            actors[key] = Actor("staff", account.id, account.username, account.role, unit.path)
        actors["system"] = SYSTEM
        for key, actor in actors.items():
            audit.record(uow, actor, "test.entry", "test", key)
    with TestClient(create_app(ctx), raise_server_exceptions=False) as client:
        yield client
    ctx.close()


def _audit(client: TestClient, username: str, **params: Any) -> Any:
    headers = builders.staff_auth(client, username)
    return client.get("/api/v1/staff/audit", params=params, headers=headers)


def _subjects(r: Any) -> set[str]:
    assert r.status_code == 200, r.text
    return {e["subject_id"] for e in r.json()["entries"] if e["action"] == "test.entry"}


def test_a_supervisor_reads_the_entries_of_the_booths_and_staff_in_scope(
    client: TestClient,
) -> None:
    got = _subjects(_audit(client, "sup-kdl", action="test."))
    assert got == {"booth-kdl", "booth-kdl-1", "staff-kdl", "staff-kdl-1"}
    got = _subjects(_audit(client, "sup-qs", action="test."))
    assert got == {"booth-qs", "staff-qs"}


def test_the_admin_reads_every_entry_and_the_system_s(client: TestClient) -> None:
    assert _subjects(_audit(client, "admin", action="test.")) == set(EVERY)


def test_an_officer_is_refused(client: TestClient) -> None:
    r = _audit(client, "off-kdl-1")
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "auth.role_required"


@pytest.mark.parametrize("wildcard", ["%", "_", "test_", "%entry", "test%"])
def test_like_wildcards_in_the_action_prefix_match_themselves(
    client: TestClient, wildcard: str
) -> None:
    r = _audit(client, "admin", action=wildcard)
    assert r.status_code == 200, r.text
    assert r.json()["entries"] == []  # "%" lists nothing, not everything


def test_a_prefix_still_matches(client: TestClient) -> None:
    assert _subjects(_audit(client, "admin", action="test.ent")) == set(EVERY)
