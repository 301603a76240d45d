"""The two checks every booth report passes, on HTTP and on MQTT alike: the time it carries
lies in a window around the centre's time, and the booth it names (if any) is the sender.

One rule, one code, whichever way a report came (docs/decisions/0016):

- **Time window.** A booth's clock is its own (an RTC, NTP when it has a network); the centre
  refuses a time more than ``ahead_s`` after its own (default 300 s: NTP-synchronised clocks
  differ by far less, a clock set to 9999 is refused) or more than ``behind_s`` before it
  (default 7 days: what a node may hold in its outbox while the centre is out of reach; a
  record dated 1900 is refused). Retention then ages records by the time the centre received
  them, so even a time inside the window cannot keep a record longer or delete it sooner.
  Reports whose time only orders them (the retained ``state`` and ``availability``, whose
  last will carries the time its connection opened) are held to the future bound only.
- **Named booth.** The sender is known from its credentials (HTTP) or its topic (MQTT; the
  broker's ACL lets a booth publish only under its own code). A payload that names another
  booth is refused (``booths.mismatch``, 403), never stored under the sender.

These are operating rules of the platform, not legal rules. Pure: stdlib and kernel only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gangting.booths.errors import BoothClockSkew, BoothMismatch

DEFAULT_AHEAD_S = 300
DEFAULT_BEHIND_S = 7 * 24 * 3600


@dataclass(frozen=True)
class ClockWindow:
    """How far a booth's time may lie after (``ahead_s``) and before (``behind_s``) the
    centre's; ``behind_s`` None: no lower bound (reports whose time only orders them)."""

    ahead_s: int = DEFAULT_AHEAD_S
    behind_s: int | None = DEFAULT_BEHIND_S

    def __post_init__(self) -> None:
        if self.ahead_s < 0 or (self.behind_s is not None and self.behind_s < 0):
            raise ValueError("a clock window is not negative")

    def future_only(self) -> ClockWindow:
        return ClockWindow(self.ahead_s, None)


def check_booth_time(at: datetime, now: datetime, window: ClockWindow, field: str = "at") -> None:
    """Refuse ``at`` (a booth's time, aware) outside ``window`` around ``now`` (the centre's,
    aware) with ``booths.clock_skew`` (422). Both bounds are inclusive: a time exactly
    ``ahead_s`` ahead or ``behind_s`` behind is accepted."""
    if at.tzinfo is None or now.tzinfo is None:
        raise ValueError("naive datetime")
    data = {
        "field": field,
        "at": at.isoformat(),
        "centre_time": now.isoformat(),
        "ahead_s": window.ahead_s,
        "behind_s": window.behind_s,
    }
    if at > now + timedelta(seconds=window.ahead_s):
        raise BoothClockSkew(
            f"岗亭上报的时间晚于中心时间超过{window.ahead_s}秒，请校准岗亭时钟后重试",
            data=data,
        )
    if window.behind_s is not None and at < now - timedelta(seconds=window.behind_s):
        raise BoothClockSkew(
            f"岗亭上报的时间早于中心时间超过{_span(window.behind_s)}，"
            "超出离线补报期限，请校准岗亭时钟",
            data=data,
        )


def check_booth_times(
    times: Sequence[tuple[str, datetime]], now: datetime, window: ClockWindow
) -> None:
    """``check_booth_time`` for each (field, time) of one report."""
    for field, at in times:
        check_booth_time(at, now, window, field)


def check_booth_report(
    sender: str,
    named: str | None,
    times: Sequence[tuple[str, datetime | None]],
    now: datetime,
    window: ClockWindow,
) -> None:
    """The rule before a booth's report is taken, over HTTP and MQTT alike: it names no
    booth but its ``sender`` (403 ``booths.mismatch``) and each of its times lies in
    ``window`` around ``now`` (422 ``booths.clock_skew``); a time not given (None: the
    centre's own is used) passes. The booth is checked first, as HTTP always did."""
    check_named_booth(sender, named)
    check_booth_times([(f, at) for f, at in times if at is not None], now, window)


def check_named_booth(sender: str | None, named: str | None) -> None:
    """A report names no booth or its sender's (``booths.mismatch``, 403, otherwise)."""
    if named is not None and named != sender:
        raise BoothMismatch(
            "岗亭编号与登录的岗亭不一致", data={"booth": named, "logged_in": sender}
        )


def _span(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400}天"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}小时"
    return f"{seconds}秒"
