"""The two-keys rule (maker–checker), pure: which acts need a second key, the states of a
request, and when a checker may decide it.

- The checker is never the maker (``approvals.same_person``, 403).
- A request is decided once: approved (and then executed in the same unit of work) or
  rejected (``approvals.decided``, 409, for a second decision).
- A request not decided by its ``expires_at`` has expired and can no longer be approved or
  rejected (``approvals.expired``, 409); the instant itself counts as expired.
- Both keys must have jurisdiction over the record (the org scope, ``staff.scope``): the
  maker when asking, the checker (supervisor and above) when deciding. That part needs the
  caller's unit and is checked by the service.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from gangting.approvals.errors import AlreadyDecided, ApprovalExpired, NoteRequired, SamePerson


class ApprovalKind(StrEnum):
    """The risky acts that need a second key."""

    LATE_FEE_PAUSE = "late_fee_pause"
    WATCH_LIST_ENTRY = "watch_list_entry"
    KIOSK_LOCK = "kiosk_lock"
    CITIZEN_REVEAL = "citizen_reveal"
    STAFF_ROLE_CHANGE = "staff_role_change"
    STAFF_TOTP_RESET = "staff_totp_reset"
    FINE_DEFERRAL = "fine_deferral"


KIND_ZH: dict[ApprovalKind, str] = {
    ApprovalKind.LATE_FEE_PAUSE: "登记复议/诉讼期间（暂停加处罚款）",
    ApprovalKind.WATCH_LIST_ENTRY: "人工布控",
    ApprovalKind.KIOSK_LOCK: "远程锁定岗亭自助终端",
    ApprovalKind.CITIZEN_REVEAL: "查看本单位辖区外公民的完整信息",
    ApprovalKind.STAFF_ROLE_CHANGE: "变更民警账号角色",
    ApprovalKind.STAFF_TOTP_RESET: "重置民警账号的动态验证码（手机遗失或更换）",
    ApprovalKind.FINE_DEFERRAL: "批准暂缓或分期缴纳罚款",
}


class ApprovalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    EXECUTED = "executed"


STATE_ZH: dict[ApprovalState, str] = {
    ApprovalState.PENDING: "待审批",
    ApprovalState.APPROVED: "已批准",
    ApprovalState.REJECTED: "已驳回",
    ApprovalState.EXPIRED: "已过期",
    ApprovalState.EXECUTED: "已批准并执行",
}

NOTE_MIN_CHARS = 2


def is_expired(state: ApprovalState, expires_at: datetime, now: datetime) -> bool:
    """A pending request whose time is up (at ``expires_at`` exactly: expired)."""
    return state == ApprovalState.PENDING and now >= expires_at


def effective_state(state: ApprovalState, expires_at: datetime, now: datetime) -> ApprovalState:
    """The state as a reader sees it: a pending request past its time reads as expired before
    anyone has recorded the expiry."""
    return ApprovalState.EXPIRED if is_expired(state, expires_at, now) else state


def check_decidable(
    state: ApprovalState, maker_id: uuid.UUID, checker_id: uuid.UUID | None
) -> None:
    """Refuse a decision on a request already decided (409), or by its own maker (403)."""
    if state != ApprovalState.PENDING:
        raise AlreadyDecided(
            f"该审批当前状态为“{STATE_ZH[state]}”，不能再次审批", data={"state": state.value}
        )
    if checker_id is None or checker_id == maker_id:
        raise SamePerson("审批人不能是申请人本人（双人复核）")


def check_not_expired(state: ApprovalState, expires_at: datetime, now: datetime) -> None:
    """Refuse (409) a decision on a request past its time."""
    if is_expired(state, expires_at, now):
        raise ApprovalExpired(
            "该审批申请已过期，请申请人重新提交", data={"expires_at": expires_at.isoformat()}
        )


def note_text(note: str | None, *, required: bool) -> str | None:
    """The decision's note, trimmed; a rejection must say why (at least two characters)."""
    text = (note or "").strip()
    if required and len(text) < NOTE_MIN_CHARS:
        raise NoteRequired("驳回须填写理由（至少2个字）")
    return text or None
