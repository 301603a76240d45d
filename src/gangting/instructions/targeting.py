"""Who an instruction goes to: the officers of a squadron, the officers of a booth's unit,
named officers, or (for an escalation) the leaders of a unit. Resolved to concrete staff at
issue time; every unit must lie within the issuer's scope."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from gangting.booths.models import Booth
from gangting.booths.service import booth_in_scope as scoped_booth
from gangting.instructions.errors import InstructionInvalid, SubjectUnknown
from gangting.instructions.rules import common_unit_path, is_leader, unit_chain
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.staff.scope import require_scope

MAX_NAMED_OFFICERS = 20


@dataclass(frozen=True)
class Targets:
    """How the issuer names the targets: exactly one of a squadron code, a booth code, or
    a list of officers' usernames; none at all means "the officers of the booth the
    instruction is about"."""

    squadron: str | None = None
    booth: str | None = None
    officers: tuple[str, ...] = ()

    def spec(self) -> dict[str, object]:
        if self.squadron is not None:
            return {"squadron": self.squadron}
        if self.booth is not None:
            return {"booth": self.booth}
        return {"officers": list(self.officers)}


@dataclass(frozen=True)
class Recipient:
    staff_id: uuid.UUID
    username: str
    name: str
    role: str
    org_unit_id: uuid.UUID


def _recipient(account: StaffAccount) -> Recipient:
    return Recipient(account.id, account.username, account.name, account.role, account.org_unit_id)


def _officers_of(uow: UnitOfWork, unit_id: uuid.UUID) -> list[Recipient]:
    rows = uow.session.execute(
        select(StaffAccount)
        .where(
            StaffAccount.org_unit_id == unit_id,
            StaffAccount.active.is_(True),
            StaffAccount.role == "officer",
        )
        .order_by(StaffAccount.username)
    ).scalars()
    return [_recipient(a) for a in rows]


def booth_in_scope(uow: UnitOfWork, actor: Actor, code: str) -> tuple[Booth, OrgUnit]:
    return scoped_booth(uow, actor, code, SubjectUnknown)


def resolve_targets(
    uow: UnitOfWork, actor: Actor, targets: Targets, subject_booth: str | None
) -> tuple[OrgUnit, list[Recipient], dict[str, object]]:
    """The unit the instruction goes to (its scope), the staff it goes to, and the spec as
    stored. A squadron: its active officers. A booth: the active officers of the unit the
    booth hangs under (its squadron). Named officers: those accounts (any role), the unit
    being the deepest one they all lie under. Raises SubjectUnknown for an unknown code or
    username, InstructionInvalid for a unit that is not a squadron, OutOfScope outside the
    issuer's scope; an empty result is the caller's to refuse."""
    named = [t for t in (targets.squadron, targets.booth) if t is not None]
    if len(named) + (1 if targets.officers else 0) > 1:
        raise InstructionInvalid("接收对象只能选择一种：中队、岗亭或指定民警")
    if not named and not targets.officers:
        if subject_booth is None:
            raise InstructionInvalid("请指定接收指令的中队、岗亭或民警")
        targets = Targets(booth=subject_booth)
    if targets.squadron is not None:
        unit = uow.session.execute(
            select(OrgUnit).where(OrgUnit.code == targets.squadron)
        ).scalar_one_or_none()
        if unit is None:
            raise SubjectUnknown("没有该中队", data={"squadron": targets.squadron})
        if unit.kind != "squadron":
            raise InstructionInvalid(
                "指令只能下发到中队（或岗亭、指定民警）",
                code="instructions.not_a_squadron",
                data={"unit": unit.code, "kind": unit.kind},
            )
        require_scope(actor, unit.path)
        return unit, _officers_of(uow, unit.id), targets.spec()
    if targets.booth is not None:
        _booth, unit = booth_in_scope(uow, actor, targets.booth)
        return unit, _officers_of(uow, unit.id), targets.spec()
    usernames = list(dict.fromkeys(targets.officers))
    if len(usernames) > MAX_NAMED_OFFICERS:
        raise InstructionInvalid(f"指定民警最多{MAX_NAMED_OFFICERS}人")
    rows = uow.session.execute(
        select(StaffAccount, OrgUnit.path)
        .join(OrgUnit, OrgUnit.id == StaffAccount.org_unit_id)
        .where(StaffAccount.username.in_(usernames), StaffAccount.active.is_(True))
    ).all()
    found = {a.username: (a, path) for a, path in rows}
    unknown = [u for u in usernames if u not in found]
    if unknown:
        raise SubjectUnknown("没有该民警账号或账号已停用", data={"officers": unknown})
    for _account, path in found.values():
        require_scope(actor, path)
    common = common_unit_path([path for _a, path in found.values()])
    unit = uow.session.execute(select(OrgUnit).where(OrgUnit.path == common)).scalar_one()
    return unit, [_recipient(found[u][0]) for u in usernames], targets.spec()


def chain_units(uow: UnitOfWork, unit: OrgUnit) -> list[OrgUnit]:
    """The unit and the units above it, nearest first (squadron, brigade, detachment)."""
    paths = unit_chain(unit.path)
    by_path = {
        u.path: u
        for u in uow.session.execute(select(OrgUnit).where(OrgUnit.path.in_(paths))).scalars()
    }
    return [by_path[p] for p in paths if p in by_path]


def leaders_of(
    uow: UnitOfWork, units: Iterable[OrgUnit], exclude: set[uuid.UUID]
) -> list[list[Recipient]]:
    """For each unit, its active leaders (``rules.is_leader``) other than ``exclude``."""
    unit_list = list(units)
    rows = uow.session.execute(
        select(StaffAccount)
        .where(
            StaffAccount.org_unit_id.in_([u.id for u in unit_list]),
            StaffAccount.active.is_(True),
        )
        .order_by(StaffAccount.username)
    ).scalars()
    by_unit: dict[uuid.UUID, list[Recipient]] = {u.id: [] for u in unit_list}
    for account in rows:
        if is_leader(account.role) and account.id not in exclude:
            by_unit[account.org_unit_id].append(_recipient(account))
    return [by_unit[u.id] for u in unit_list]
