"""The rule of staff role changes, pure (issue 11 §2; docs/decisions/0012): a role change is a
two-keys act (desks.two_keys), and on top of the two keys' own rule (the checker is never the
maker, both have jurisdiction over the account's unit):

- the role is one of officer, supervisor, admin (``staff.role_invalid``, 422);
- the change says why, in real text (``staff.role_reason_required``, 422);
- nobody changes their own role, neither as maker nor as checker (``staff.own_role``, 403):
  nobody can raise themselves;
- only admins grant or take away the admin role, as maker and as checker
  (``staff.admin_role_admins_only``, 403): a supervisor cannot make an admin;
- a change that changes nothing is refused (``staff.role_unchanged``, 409).

A second-factor reset (a lost phone) is a two-keys act too, under the same kind of rule
(``check_reset_key``).
"""

from __future__ import annotations

import uuid

from gangting.staff.errors import (
    AdminRoleAdminsOnly,
    OwnRole,
    OwnSecondFactor,
    RoleInvalid,
    RoleReasonRequired,
    RoleUnchanged,
)

ROLES = ("officer", "supervisor", "admin")
ROLE_NAMES_ZH = {"officer": "民警", "supervisor": "督察", "admin": "管理员"}
ADMIN = "admin"
REASON_MIN_CHARS = 4


def parse_role(text: str) -> str:
    """The role named by ``text`` (trimmed, case-insensitive); ``RoleInvalid`` otherwise."""
    role = text.strip().lower()
    if role not in ROLES:
        raise RoleInvalid(
            "角色只能是 officer（民警）、supervisor（督察）或 admin（管理员）",
            data={"roles": list(ROLES)},
        )
    return role


def change_reason(text: str, what: str = "变更角色") -> str:
    """The reason, trimmed; at least ``REASON_MIN_CHARS`` letters, digits or Chinese
    characters (``what``: the act it is asked for, in the message)."""
    value = text.strip()
    if sum(ch.isalnum() for ch in value) < REASON_MIN_CHARS:
        raise RoleReasonRequired(
            f"请填写{what}的理由（至少{REASON_MIN_CHARS}个汉字、字母或数字）",
            data={"min_chars": REASON_MIN_CHARS},
        )
    return value


def check_reset_key(
    key_role: str | None, key_id: uuid.UUID | None, account_id: uuid.UUID, account_role: str
) -> None:
    """Whether one key (maker or checker) may reset the account's second factor (a lost
    phone; docs/decisions/0019): never one's own (``staff.own_second_factor``), and an
    administrator's only by administrators (``staff.admin_role_admins_only``)."""
    if key_id == account_id:
        raise OwnSecondFactor("不能重置本人的动态验证码，请由其他督察或管理员申请")
    if account_role == ADMIN and key_role != ADMIN:
        raise AdminRoleAdminsOnly(
            "重置管理员的动态验证码须由管理员申请、另一名管理员审批",
            data={"required_role": ADMIN},
        )


def check_key(
    key_role: str | None, key_id: uuid.UUID | None, account_id: uuid.UUID, current: str, new: str
) -> None:
    """Whether one key (the maker asking, or the checker approving) may change the account's
    role from ``current`` to ``new``."""
    if key_id == account_id:
        raise OwnRole("不能变更本人账号的角色")
    if ADMIN in (current, new) and key_role != ADMIN:
        raise AdminRoleAdminsOnly(
            "授予或取消管理员角色须由管理员申请、另一名管理员审批",
            data={"required_role": ADMIN},
        )


def check_change(
    maker_role: str | None,
    maker_id: uuid.UUID | None,
    account_id: uuid.UUID,
    current: str,
    new: str,
) -> None:
    """The maker's side of a role change: a real change, by someone else, admins for admin."""
    check_key(maker_role, maker_id, account_id, current, new)
    if current == new:
        raise RoleUnchanged(
            f"该账号已是{ROLE_NAMES_ZH.get(current, current)}，无需变更", data={"role": current}
        )
