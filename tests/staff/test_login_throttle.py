"""The log-in throttle (issue 12 §1, probe "60 wrong passwords, then the right one, all
answered without delay or lockout"): per name and per source, counted in the database, 429
``auth.too_many_attempts`` with ``Retry-After``, lifted by the injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gangting.app import create_app
from gangting.audit.models import AuditEntry
from gangting.context import build_context
from gangting.staff.models import LoginThrottle
from gangting.staff.throttle_rules import Count, Limit, after_failure, retry_after_s
from tests import builders
from tests.desks.conftest import Api, api, world

__all__ = ["api", "world"]

T0 = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
LIMIT = Limit(max_failures=5, window_s=900, lockout_s=900)


def staff_login(api: Api, username: str, password: str) -> Any:
    body = builders.staff_login(username, api.clock.now(), password)
    return api.client.post("/api/v1/auth/staff", json=body)


def booth_login(api: Api, code: str, secret: str) -> Any:
    return api.client.post("/api/v1/auth/booth", json={"booth_code": code, "secret": secret})


def test_the_fifth_failure_in_the_window_locks_for_the_lockout() -> None:
    count = None
    for _ in range(4):
        count = after_failure(count, LIMIT, T0)
        assert retry_after_s(count, T0) is None
    count = after_failure(count, LIMIT, T0 + timedelta(minutes=14))
    assert count.failures == 5
    assert retry_after_s(count, T0 + timedelta(minutes=14)) == 900
    assert retry_after_s(count, T0 + timedelta(minutes=28, seconds=59, microseconds=1)) == 1
    assert retry_after_s(count, T0 + timedelta(minutes=29)) is None


def test_a_failure_after_the_window_opens_a_new_one() -> None:
    count = Count(4, T0)
    fresh = after_failure(count, LIMIT, T0 + timedelta(seconds=900))
    assert fresh == Count(1, T0 + timedelta(seconds=900), None)
    lifted = after_failure(Count(5, T0, T0 + timedelta(seconds=60)), LIMIT, T0 + timedelta(60))
    assert lifted.failures == 1 and lifted.locked_until is None


@pytest.mark.parametrize("username", ["sup-kdl", "nobody-here"])
def test_wrong_passwords_lock_the_name_then_the_right_one_is_refused_with_retry_after(
    api: Api, world: dict[str, Any], username: str
) -> None:
    for _ in range(5):
        r = staff_login(api, username, "wrong-password")
        assert r.status_code == 401 and r.json()["error"] == "auth.bad_credentials"
    r = staff_login(api, username, builders.STAFF_PASSWORD)
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "900"
    assert r.json() == {
        "error": "auth.too_many_attempts",
        "message": "登录失败次数过多，请15分钟后再试",
        "data": {"retry_after_s": 900},
    }
    # Another name from the same address is not locked by this one.
    api.login_staff("off-kdl")
    api.clock.advance(timedelta(seconds=899))
    assert staff_login(api, username, builders.STAFF_PASSWORD).headers["Retry-After"] == "1"
    api.clock.advance(timedelta(seconds=1))
    r = staff_login(api, username, builders.STAFF_PASSWORD)
    assert r.status_code == (200 if username == "sup-kdl" else 401)


def test_a_locked_attempt_is_audited_as_throttled_and_not_counted(
    api: Api, world: dict[str, Any]
) -> None:
    for _ in range(7):
        staff_login(api, "off-kdl", "wrong-password")
    with api.ctx.uow() as uow:
        causes = sorted(
            e.data["cause"]
            for e in uow.session.execute(
                select(AuditEntry).where(AuditEntry.action == "staff.login_failed")
            ).scalars()
        )
        row = uow.session.get(LoginThrottle, "staff:off-kdl")
    assert causes == ["bad_password"] * 5 + ["throttled"] * 2
    assert row is not None and row.failures == 5


def test_a_right_password_clears_the_name_s_count(api: Api, world: dict[str, Any]) -> None:
    for _ in range(4):
        staff_login(api, "off-kdl", "wrong-password")
    api.login_staff("off-kdl")
    for _ in range(4):
        assert staff_login(api, "off-kdl", "wrong-password").status_code == 401
    api.login_staff("off-kdl")


def test_one_source_guessing_many_names_is_locked(api: Api, world: dict[str, Any]) -> None:
    for n in range(20):
        assert staff_login(api, f"guess-{n}", "wrong-password").status_code == 401
    r = staff_login(api, "off-kdl", builders.STAFF_PASSWORD)
    assert r.status_code == 429 and r.headers["Retry-After"] == "300"
    assert booth_login(api, "BT-KDL-001", builders.BOOTH_SECRET).status_code == 429
    api.clock.advance(timedelta(seconds=300))
    api.login_staff("off-kdl")


def test_booth_codes_are_throttled_too(api: Api, world: dict[str, Any]) -> None:
    for _ in range(5):
        assert booth_login(api, "BT-KDL-001", "wrong-secret").status_code == 401
    r = booth_login(api, "BT-KDL-001", builders.BOOTH_SECRET)
    assert r.status_code == 429 and r.json()["error"] == "auth.too_many_attempts"
    assert int(r.headers["Retry-After"]) == 900
    api.login_booth("BT-QS-001")


def test_the_count_holds_across_processes(api: Api, world: dict[str, Any]) -> None:
    """A second server process (its own context and engine on the same database) sees the
    lock the first one set."""
    for _ in range(5):
        staff_login(api, "off-kdl", "wrong-password")
    other = build_context(api.ctx.settings, clock=api.clock)
    try:
        with TestClient(create_app(other)) as client:
            r = client.post(
                "/api/v1/auth/staff",
                json=builders.staff_login("off-kdl", api.clock.now()),
            )
        assert r.status_code == 429
    finally:
        other.close()


def test_the_limits_are_settings(api: Api, world: dict[str, Any]) -> None:
    api.ctx.settings.login_account_max_failures = 2
    api.ctx.settings.login_account_lockout_s = 60
    staff_login(api, "off-kdl", "wrong-password")
    staff_login(api, "off-kdl", "wrong-password")
    r = staff_login(api, "off-kdl", builders.STAFF_PASSWORD)
    assert r.status_code == 429 and r.headers["Retry-After"] == "60"
