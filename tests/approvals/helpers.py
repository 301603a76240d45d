"""The second key in tests: another supervisor, and their decision on a pending request."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from gangting.staff.models import OrgUnit
from tests import builders
from tests.desks.conftest import Api

APPROVALS = "/api/v1/staff/approvals"


def add_supervisor(api: Api, username: str, unit_code: str = "KDL") -> None:
    """One more supervisor of the unit ``unit_code`` (the checker beside ``sup-kdl``)."""
    with api.ctx.uow() as uow:
        unit = uow.session.execute(select(OrgUnit).where(OrgUnit.code == unit_code)).scalar_one()
        builders.staff(uow, unit, username, "supervisor")


def decide(
    api: Api,
    username: str,
    approval_id: str,
    verb: str = "approve",
    body: dict[str, Any] | None = None,
    key: str | None = None,
) -> Any:
    headers = {
        "Authorization": f"Bearer {api.login_staff(username)}",
        "Idempotency-Key": key or uuid.uuid4().hex,
    }
    return api.client.post(f"{APPROVALS}/{approval_id}/{verb}", json=body or {}, headers=headers)


def approved(api: Api, requested: Any, checker: str = "sup-kdl-2") -> Any:
    """The maker's 202 answer ``requested`` approved by ``checker``: the approval executed
    (200); its ``result`` is what the act itself answers."""
    assert requested.status_code == 202, requested.text
    assert requested.json()["state"] == "pending"
    r = decide(api, checker, requested.json()["id"])
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "executed" and r.json()["checker"] == checker
    return r


def get(api: Api, username: str, path: str, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {api.login_staff(username)}"}
    return api.client.get(path, params=params, headers=headers)
