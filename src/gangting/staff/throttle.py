"""The log-in throttle's storage (rule: ``staff.throttle_rules``): one row per key in
``login_throttles``, read before a log-in checks any password and written when it fails, so
that the count holds across processes and restarts. Staff and booth log-ins share it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from gangting.config import Settings
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.errors import LoginThrottled
from gangting.staff.models import LoginThrottle
from gangting.staff.throttle_rules import Count, Limit, after_failure, retry_after_s

KEY_CHARS = 200


@dataclass(frozen=True)
class Limits:
    account: Limit
    source: Limit

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            Limit(
                settings.login_account_max_failures,
                settings.login_account_window_s,
                settings.login_account_lockout_s,
            ),
            Limit(
                settings.login_source_max_failures,
                settings.login_source_window_s,
                settings.login_source_lockout_s,
            ),
        )


@dataclass(frozen=True)
class Attempt:
    """Who tries to log in: the name's key (``staff:<username>`` or ``booth:<code>``) and the
    source address (``None`` when the server cannot tell, e.g. an in-process call)."""

    account_key: str
    source: str | None
    limits: Limits

    def keys(self) -> list[tuple[str, Limit]]:
        keys = [(self.account_key[:KEY_CHARS], self.limits.account)]
        if self.source:
            keys.append((f"source:{self.source}"[:KEY_CHARS], self.limits.source))
        return keys


def _count(row: LoginThrottle | None) -> Count | None:
    if row is None:
        return None
    return Count(row.failures, row.window_started_at, row.locked_until)


def check(uow: UnitOfWork, attempt: Attempt) -> None:
    """Refuse (429 ``auth.too_many_attempts``) a log-in whose name or source is locked."""
    now = uow.clock.now()
    waits = [
        wait
        for key, _limit in attempt.keys()
        if (wait := retry_after_s(_count(uow.session.get(LoginThrottle, key)), now)) is not None
    ]
    if waits:
        wait = max(waits)
        minutes = max(1, (wait + 59) // 60)
        raise LoginThrottled(
            f"登录失败次数过多，请{minutes}分钟后再试",
            data={"retry_after_s": wait},
        )


def record_failure(uow: UnitOfWork, attempt: Attempt) -> None:
    """Count one failed log-in against its name and its source (row locked while counted)."""
    now = uow.clock.now()
    for key, limit in attempt.keys():
        row = uow.session.execute(
            select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
        ).scalar_one_or_none()
        count = after_failure(_count(row), limit, now)
        if row is None:
            uow.session.add(
                LoginThrottle(
                    key=key,
                    failures=count.failures,
                    window_started_at=count.window_started_at,
                    locked_until=count.locked_until,
                )
            )
        else:
            row.failures = count.failures
            row.window_started_at = count.window_started_at
            row.locked_until = count.locked_until
    uow.session.flush()


def record_success(uow: UnitOfWork, attempt: Attempt) -> None:
    """A successful log-in clears its name's count (not its source's: one address's right
    password says nothing about its other guesses)."""
    uow.session.execute(
        delete(LoginThrottle).where(LoginThrottle.key == attempt.account_key[:KEY_CHARS]),
        execution_options={"synchronize_session": False},
    )
