"""The log-in throttle's rule, pure (docs/decisions/0014; 等保 2.0 三级 身份鉴别 "应具有登录失败
处理功能，应配置并启用结束会话、限制非法登录次数和当登录连接超时自动退出等相关措施";
OWASP ASVS 4.0 V2.2.1 anti-automation).

Each key (an account name, a booth code, a source address) has a fixed window: the first
failure opens it, each failure inside it counts, and the ``max_failures``-th locks the key for
``lockout_s``. A locked key is refused without checking the password (the attempt is not
counted again). When the window or the lock has run out, the next failure opens a new window.
Names that do not exist are counted and locked exactly like names that do, so a lock tells
nothing about whether an account exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Limit:
    """``max_failures`` within ``window_s`` seconds lock the key for ``lockout_s`` seconds."""

    max_failures: int
    window_s: int
    lockout_s: int


@dataclass(frozen=True)
class Count:
    """One key's failures in its current window, and until when it is locked."""

    failures: int
    window_started_at: datetime
    locked_until: datetime | None = None


def retry_after_s(count: Count | None, now: datetime) -> int | None:
    """Whole seconds until the key may try again (at least 1), or ``None`` when it may now."""
    if count is None or count.locked_until is None or count.locked_until <= now:
        return None
    return max(1, math.ceil((count.locked_until - now).total_seconds()))


def after_failure(count: Count | None, limit: Limit, now: datetime) -> Count:
    """The key's count after one more failure at ``now``."""
    expired = (
        count is None
        or now >= count.window_started_at + timedelta(seconds=limit.window_s)
        or (count.locked_until is not None and count.locked_until <= now)
    )
    if expired or count is None:
        failures, started = 1, now
    else:
        failures, started = count.failures + 1, count.window_started_at
    locked = now + timedelta(seconds=limit.lockout_s) if failures >= limit.max_failures else None
    return Count(failures, started, locked)
