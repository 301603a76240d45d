"""The public rating page's throttle, per source address: every request to /r/ and to the
public rating API counts (there is no log-in to fail), in the log-in throttle's table and by
its rule (``staff.throttle_rules``), so every server process sees the same count. Above
GANGTING_RATING_LINK_SOURCE_MAX_REQUESTS within the window the address waits
(429 ``ratings.too_many_requests``, Retry-After)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gangting.config import Settings
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.ratings.errors import TooManyRequests
from gangting.staff.models import LoginThrottle
from gangting.staff.throttle_rules import Count, Limit, after_failure, retry_after_s

KEY_CHARS = 200


def source_limit(settings: Settings) -> Limit:
    return Limit(
        settings.rating_link_source_max_requests,
        settings.rating_link_source_window_s,
        settings.rating_link_source_lockout_s,
    )


def count_request(uow: UnitOfWork, source: str | None, limit: Limit) -> None:
    """Count one request from ``source``; refuse it when the address is locked (the
    request that reaches the limit still passes: the lock is for the next ones)."""
    if not source:
        return
    key = f"rating_link:{source}"[:KEY_CHARS]
    now = uow.clock.now()
    row = uow.session.execute(
        select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
    ).scalar_one_or_none()
    current = None if row is None else Count(row.failures, row.window_started_at, row.locked_until)
    wait = retry_after_s(current, now)
    if wait is not None:
        minutes = max(1, (wait + 59) // 60)
        raise TooManyRequests(f"请求过于频繁，请{minutes}分钟后再试", data={"retry_after_s": wait})
    count = after_failure(current, limit, now)
    if row is None:
        try:
            # Two first requests at once: the loser's count is lost, never the request.
            with uow.session.begin_nested():
                uow.session.add(
                    LoginThrottle(
                        key=key,
                        failures=count.failures,
                        window_started_at=count.window_started_at,
                        locked_until=count.locked_until,
                    )
                )
        except IntegrityError:
            pass
        return
    else:
        row.failures = count.failures
        row.window_started_at = count.window_started_at
        row.locked_until = count.locked_until
    uow.session.flush()
