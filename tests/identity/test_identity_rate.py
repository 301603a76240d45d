"""A booth whose identity checks in the last hour are far above its own normal raises an
``identity_rate`` alert (issue 12 §3): above max(30, 5 × its median active-hour count over
the last 7 days), at most one a booth and clock hour. Times come from the injected clock."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select

from gangting.alerts.models import Alert
from gangting.booths.models import Booth as BoothRow
from gangting.identity.models import IdentityNonce
from gangting.identity.rules import RatePolicy, identity_rate_limit
from tests.desks.conftest import Api, Booth
from tests.identity.evidence import take_nonce


def rate_alerts(api: Api) -> list[Alert]:
    with api.ctx.uow() as uow:
        return list(
            uow.session.execute(
                select(Alert).where(Alert.kind == "identity_rate").order_by(Alert.raised_at)
            ).scalars()
        )


def history(api: Api, code: str, per_hour: int, hours: int) -> None:
    """``per_hour`` checks in each of ``hours`` past hours (2..hours+1 hours ago)."""
    with api.ctx.uow() as uow:
        booth_id = uow.session.execute(
            select(BoothRow.id).where(BoothRow.code == code)
        ).scalar_one()
        now = uow.clock.now()
        rows = [
            {
                "nonce_hash": secrets.token_hex(32),
                "booth_id": booth_id,
                "issued_at": now - timedelta(hours=h + 1, minutes=n % 50),
                "expires_at": now - timedelta(hours=h + 1),
                "used_at": now - timedelta(hours=h + 1),
            }
            for h in range(1, hours + 1)
            for n in range(per_hour)
        ]
        uow.session.execute(insert(IdentityNonce), rows)


def test_the_limit_is_the_floor_or_five_times_the_median_active_hour() -> None:
    policy = RatePolicy()
    assert identity_rate_limit([], policy) == 30  # a new booth: the floor
    assert identity_rate_limit([0] * 100 + [4, 6, 8], policy) == 30  # quiet nights ignored
    assert identity_rate_limit([0, 10, 12, 14], policy) == 60
    assert identity_rate_limit([10, 12], RatePolicy(min_per_hour=5, factor=2)) == 22


def test_a_booth_far_above_its_own_normal_raises_one_alert_an_hour(
    api: Api, world: dict[str, Any]
) -> None:
    api.clock.advance(timedelta(minutes=40))  # 02:40 UTC
    history(api, "BT-KDL-001", per_hour=12, hours=40)  # normal: 12 an hour -> limit 60
    b = Booth(api, api.login_booth())
    for _ in range(60):
        take_nonce(b)
    assert rate_alerts(api) == []  # 60 is not above 60
    take_nonce(b)
    (alert,) = rate_alerts(api)
    assert alert.severity == "high" and alert.subject_id == "BT-KDL-001"
    assert alert.data["last_hour"] == 61 and alert.data["limit"] == 60
    assert "人证核验次数异常" in alert.title
    with api.ctx.uow() as uow:  # closed within the hour: still no second alert this hour
        row = uow.session.get(Alert, alert.id)
        assert row is not None
        row.state = "closed"
    for _ in range(5):
        take_nonce(b)
    assert len(rate_alerts(api)) == 1
    api.clock.advance(timedelta(minutes=25))  # 03:05: still above the limit, a new hour
    take_nonce(b)
    assert len(rate_alerts(api)) == 2


def test_a_booth_with_no_history_alerts_above_the_floor_only(
    api: Api, world: dict[str, Any]
) -> None:
    b = Booth(api, api.login_booth())
    other = Booth(api, api.login_booth("BT-QS-001"))
    for _ in range(30):
        take_nonce(b)
        take_nonce(other)
    assert rate_alerts(api) == []  # 30 an hour is not above the floor
    take_nonce(b)
    (alert,) = rate_alerts(api)
    assert alert.subject_id == "BT-KDL-001" and alert.data["last_hour"] == 31


def test_the_policy_is_configurable(api: Api, world: dict[str, Any]) -> None:
    api.ctx.settings.identity_rate_min_per_hour = 3
    b = Booth(api, api.login_booth())
    for _ in range(3):
        take_nonce(b)
    assert rate_alerts(api) == []
    take_nonce(b)
    assert len(rate_alerts(api)) == 1
    r = api.client.get(
        "/api/v1/staff/alerts?kind=identity_rate",
        headers={"Authorization": f"Bearer {api.login_staff('sup-kdl')}"},
    )
    assert r.status_code == 200, r.text
    assert "identity_rate" in r.text
