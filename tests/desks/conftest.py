"""An API under test: real app, real database, fake payment and learning platforms."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gangting.app import create_app
from gangting.config import Settings
from gangting.context import Context, build_context
from gangting.integrations.learning import FakeLearningPlatform
from gangting.integrations.payment import FakePaymentPlatform
from gangting.kernel.clock import FixedClock
from gangting.staff import totp
from tests import builders
from tests.identity.evidence import signed_body, take_nonce


@dataclass
class Api:
    client: TestClient
    ctx: Context
    clock: FixedClock
    learning: FakeLearningPlatform
    booth_codes: dict[str, str] = field(default_factory=dict)  # bearer token -> booth code

    def login_booth(self, code: str = "BT-KDL-001") -> str:
        r = self.client.post(
            "/api/v1/auth/booth", json={"booth_code": code, "secret": builders.BOOTH_SECRET}
        )
        assert r.status_code == 200, r.text
        self.booth_codes[str(r.json()["access_token"])] = code
        return str(r.json()["access_token"])

    staff_tokens: builders.StaffTokens = field(default_factory=builders.StaffTokens)

    def login_staff(self, username: str, *, fresh: bool = False) -> str:
        """The staff member's session token. A TOTP code is good once and the test clock
        stands still, so a log-in in the same 30 s step as the last one answers the last
        token; ``fresh`` logs in anyway (a second session of an officer)."""
        if fresh:
            self.staff_tokens.forget(username)
        return self.staff_tokens.token(username, self.clock.now(), self._post_login)

    def _post_login(self, body: dict[str, str]) -> str:
        r = self.client.post("/api/v1/auth/staff", json=body)
        assert r.status_code == 200, r.text
        assert r.json()["second_factor"] != "enrolment_required", r.text
        return str(r.json()["access_token"])

    def bind_second_factor(self, enrolment_token: str) -> tuple[str, str]:
        """Bind the second factor with an enrolment token, as the screen does: the secret,
        and the session token the confirmation answers."""
        auth = {"Authorization": f"Bearer {enrolment_token}"}
        started = self.client.post("/api/v1/staff/totp/enrol", headers=auth)
        assert started.status_code == 200, started.text
        secret = str(started.json()["secret"])
        code = totp.code_at(secret, self.clock.now())
        done = self.client.post("/api/v1/staff/totp/confirm", json={"code": code}, headers=auth)
        assert done.status_code == 200, done.text
        return secret, str(done.json()["access_token"])


@dataclass
class Booth:
    """A booth session: its bearer token and the current citizen's identity token."""

    api: Api
    token: str
    identity: str | None = None

    def headers(self, key: str | None = None) -> dict[str, str]:
        h = {"Authorization": f"Bearer {self.token}"}
        if self.identity:
            h["X-Identity-Token"] = self.identity
        if key:
            h["Idempotency-Key"] = key
        return h

    @property
    def code(self) -> str:
        return self.api.booth_codes[self.token]

    def verify(self, id_number: str, face: dict[str, Any] | None = None) -> Any:
        """The identity check as a booth node makes it: a nonce, then signed evidence."""
        body = signed_body(self.code, id_number, take_nonce(self), self.api.clock.now(), face=face)
        r = self.post("/api/v1/identity/check", body)
        if r.status_code == 200:
            self.identity = r.json()["identity_token"]
        return r

    def post(self, path: str, body: dict[str, Any], key: str | None = None) -> Any:
        return self.api.client.post(path, json=body, headers=self.headers(key or uuid.uuid4().hex))

    def get(self, path: str) -> Any:
        return self.api.client.get(path, headers=self.headers())


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[Api]:
    settings = Settings(database_url=database_url, var_dir=tmp_path)
    learning = FakeLearningPlatform()
    ctx = build_context(
        settings,
        clock=clock,
        payments=FakePaymentPlatform(tmp_path / "pay.db", clock=clock),
        learning=learning,
    )
    with TestClient(create_app(ctx), raise_server_exceptions=False) as client:
        yield Api(client, ctx, clock, learning)
    ctx.close()


@pytest.fixture
def world(api: Api) -> dict[str, Any]:
    """A detachment, a brigade, a booth, staff, and one driver with a car."""
    with api.ctx.uow() as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        kdl = builders.org_unit(uow, "KDL", top)
        qs = builders.org_unit(uow, "QS", top)
        builders.booth(uow, kdl)
        builders.booth(uow, qs, code="BT-QS-001")
        builders.staff(uow, kdl, "off-kdl", "officer")
        builders.staff(uow, qs, "off-qs", "officer")
        builders.staff(uow, kdl, "sup-kdl", "supervisor")
        builders.staff(uow, top, "admin", "admin")
        driver = builders.citizen(uow)
        car = builders.vehicle(uow, driver, "蒙B12345")
        v1 = builders.violation(uow, car, "1625")  # red light, 6 points
        v2 = builders.violation(uow, car, "1344", days_ago=10)  # sign, 1 point
        ids = {
            "driver": driver.id_number,
            "driver_id": driver.id,
            "car": car.plate_no,
            "v1": v1.ref,
            "v2": v2.ref,
        }
    return ids


@pytest.fixture
def booth(api: Api, world: dict[str, Any]) -> Booth:
    b = Booth(api, api.login_booth())
    r = b.verify(world["driver"])
    assert r.status_code == 200, r.text
    return b
