"""Pure rules of the command-centre screen and of remote assist: a booth's colour on the
map, what a kiosk may report about its screen, the remote-assist session's lifecycle, and
the masking of ID numbers in chat. Stdlib (and other domains' pure rules) only.

Operating rules of the platform, not legal rules; the personal-data ones follow the
architecture's "Personal data" conventions (PIPL: mask by default, store only what is
needed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Literal

from gangting.alerts.rules import Fault

BoothStatus = Literal["ok", "fault", "offline", "unknown"]
BOOTH_STATUS_ZH: dict[str, str] = {
    "ok": "正常",
    "fault": "故障",
    "offline": "离线",
    "unknown": "无数据",
    "help": "求助中",
}


def booth_status(
    availability: str,
    last_reported_at: datetime | None,
    now: datetime,
    stale_after_s: float,
    faults: Iterable[Fault],
) -> BoothStatus:
    """The booth's colour on the map, help calls apart (the screen shows a help call over
    any status).

    - broker availability "offline" (last will or clean shutdown) -> offline;
    - availability "unknown" (the booth reports over HTTP only, or nothing yet) and no
      report within ``stale_after_s`` -> unknown ("无数据");
    - any fault of medium or high severity other than being offline -> fault (a "low" one,
      e.g. paper running low, leaves the booth ok: it is listed, not coloured);
    - otherwise ok.
    """
    if availability == "offline":
        return "offline"
    if availability != "online" and (
        last_reported_at is None or (now - last_reported_at).total_seconds() > stale_after_s
    ):
        return "unknown"
    if any(f.cause != "offline" and f.severity in ("high", "medium") for f in faults):
        return "fault"
    return "ok"


# --- remote assist ------------------------------------------------------------------------


class AssistState(StrEnum):
    WAITING = "waiting"
    ACTIVE = "active"
    CLOSED = "closed"


ASSIST_STATES: tuple[str, ...] = tuple(AssistState)
ASSIST_STATE_ZH = {"waiting": "等待接入", "active": "协助中", "closed": "已结束"}
_ASSIST_MOVES: dict[str, frozenset[str]] = {
    "waiting": frozenset({"active", "closed"}),
    "active": frozenset({"closed"}),
    "closed": frozenset(),
}


def assist_may_move(current: str, new: str) -> bool:
    """waiting -> active (an operator joins) -> closed; a waiting session may be closed
    without anyone joining (the citizen left, a false press). Closed is final."""
    return new in _ASSIST_MOVES.get(current, frozenset())


# The kiosk's screens (node/static/index.html ``data-screen``) and services (kiosk.js
# SERVICES) the operator may see named; anything else is reported as "other".
KIOSK_SCREEN_ZH: dict[str, str] = {
    "start": "首页",
    "identify": "身份核验",
    "services": "选择业务",
    "review": "确认办理",
    "pay": "缴款",
    "receipt": "办理凭证",
    "rate": "评价服务",
    "done": "办理完成",
}
KIOSK_STEPS: tuple[str, ...] = ("identify", "services", "review", "pay", "receipt", "rate")
KIOSK_SERVICE_ZH: dict[str, str] = {
    "violations": "违法处理与缴款",
    "renewal": "期满换证",
    "replacement": "补领驾驶证",
    "mark": "申领检验标志",
    "study": "学法减分",
    "health": "提交身体条件证明",
    "query": "查询",
}


def kiosk_screen_view(
    screen: str | None, service: str | None, elder: bool, screen_elapsed_s: int
) -> dict[str, object]:
    """What the operator sees of a kiosk: which screen and service by name from fixed lists
    (never a value the citizen typed or the card held), the step it is at, elder mode and
    how long the citizen has been on this screen. Unknown names become "other"."""
    known_screen = screen if screen in KIOSK_SCREEN_ZH else "other"
    known_service = service if service in KIOSK_SERVICE_ZH else None
    step = KIOSK_STEPS.index(known_screen) + 1 if known_screen in KIOSK_STEPS else None
    return {
        "screen": known_screen,
        "screen_zh": KIOSK_SCREEN_ZH.get(known_screen, "其他界面"),
        "service": known_service,
        "service_zh": KIOSK_SERVICE_ZH.get(known_service or ""),
        "step": step,
        "steps": len(KIOSK_STEPS),
        "elder": bool(elder),
        "screen_elapsed_s": max(0, min(int(screen_elapsed_s), 24 * 3600)),
    }


# 18-character resident ID numbers (GB 11643: 17 digits + digit or X) and the old 15-digit
# ones, also written with spaces or dashes between groups, and bank-card-like runs.
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(?:\d[ -]?){14,18}[\dXx](?![0-9A-Za-z])")


def mask_id_numbers(text: str) -> str:
    """Mask anything in a chat message that looks like an ID number (15 to 19 digits, the
    last may be X): keep the first 6 and the last 4 characters, as staff views do
    (150203********1234). A citizen may type their number to "help"; it is never stored or
    shown in clear."""

    def mask(match: re.Match[str]) -> str:
        raw = re.sub(r"[ -]", "", match.group(0))
        return raw[:6] + "*" * (len(raw) - 10) + raw[-4:]

    return _ID_LIKE.sub(mask, text)


class MessageSender(StrEnum):
    CITIZEN = "citizen"
    OPERATOR = "operator"
    SYSTEM = "system"


class MessageKind(StrEnum):
    """A hint is shown large on the kiosk screen."""

    TEXT = "text"
    HINT = "hint"


MESSAGE_MAX = 300
HINT_PRESETS: tuple[str, ...] = (
    "请将身份证放在读卡区，保持不动",
    "请正视摄像头，摘下帽子和口罩",
    "请按屏幕提示缓慢转头",
    "请点击“确认办理”继续",
    "工作人员正在赶来，请稍候",
)
