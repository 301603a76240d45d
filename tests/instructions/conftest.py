"""Instruction tests run on the real app and database of the API tests (``api`` from
tests/desks/conftest.py), with an org tree that has squadrons, their leaders and officers:

    BT (detachment): admin
      KDL (brigade): sup-kdl
        KDL-1 (squadron, leader lead-kdl-1): off-kdl-1, off-kdl-2; booth BT-KDL-001
        KDL-2 (squadron, no leader): off-kdl-3; booth BT-KDL-002
      QS (brigade): sup-qs
        QS-1 (squadron): off-qs-1; booth BT-QS-001
        QS-2 (squadron, nobody on duty)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests import builders
from tests.desks.conftest import Api, api

__all__ = ["Org", "Staff", "api", "org"]


@dataclass
class Staff:
    """A logged-in staff member and the calls they make."""

    api: Api
    username: str
    token: str

    def headers(self, key: str | None = None) -> dict[str, str]:
        h = {"Authorization": f"Bearer {self.token}"}
        if key:
            h["Idempotency-Key"] = key
        return h

    def post(self, path: str, body: dict[str, Any] | None = None, key: str | None = None) -> Any:
        return self.api.client.post(
            "/api/v1/staff/instructions" + path,
            json=body if body is not None else {},
            headers=self.headers(key or uuid.uuid4().hex),
        )

    def get(self, path: str = "") -> Any:
        return self.api.client.get("/api/v1/staff/instructions" + path, headers=self.headers())

    def issue(self, body: dict[str, Any], key: str | None = None) -> Any:
        return self.post("", body, key)


@dataclass
class Org:
    api: Api
    tokens: dict[str, str]

    def as_(self, username: str) -> Staff:
        """That staff member, logged in afresh: the tests move the clock by hours, past a
        staff session's idle limit (docs/decisions/0014)."""
        self.tokens[username] = self.api.login_staff(username)
        return Staff(self.api, username, self.tokens[username])


@pytest.fixture
def org(api: Api) -> Org:
    with api.ctx.uow() as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        kdl = builders.org_unit(uow, "KDL", top)
        qs = builders.org_unit(uow, "QS", top)
        kdl1 = builders.org_unit(uow, "KDL-1", kdl, kind="squadron")
        kdl2 = builders.org_unit(uow, "KDL-2", kdl, kind="squadron")
        qs1 = builders.org_unit(uow, "QS-1", qs, kind="squadron")
        builders.org_unit(uow, "QS-2", qs, kind="squadron")
        builders.booth(uow, kdl1, code="BT-KDL-001")
        builders.booth(uow, kdl2, code="BT-KDL-002")
        builders.booth(uow, qs1, code="BT-QS-001")
        builders.staff(uow, top, "admin", "admin")
        builders.staff(uow, kdl, "sup-kdl", "supervisor")
        builders.staff(uow, qs, "sup-qs", "supervisor")
        builders.staff(uow, kdl1, "lead-kdl-1", "supervisor")
        builders.staff(uow, kdl1, "off-kdl-1", "officer")
        builders.staff(uow, kdl1, "off-kdl-2", "officer")
        builders.staff(uow, kdl2, "off-kdl-3", "officer")
        builders.staff(uow, qs1, "off-qs-1", "officer")
    return Org(api, {})


INTERCEPT = {
    "kind": "intercept",
    "text": "拦截蒙B·12345，沿钢铁大街向北",
    "plate": "蒙B·12345",
    "location": "沿钢铁大街向北",
    "targets": {"squadron": "KDL-1"},
}
