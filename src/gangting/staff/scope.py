"""The one org-tree scope check: staff see the data of their own unit and the units below it;
admins see everything; anyone without a unit (booths, the system, a staff account whose unit
is gone) sees nothing.

Unit paths are materialised ("/BT/KDL/KDL-1/", each ending in "/"), so "under my unit" is one
prefix comparison. Every staff read goes through here: ``scoped`` narrows a SELECT,
``scope_filter`` is the same condition for a caller that combines it (``or_``),
``path_in_scope`` answers for one path and ``require_scope`` refuses one
(``OutOfScope``, 403).
"""

from __future__ import annotations

from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Select, false, true
from sqlalchemy.orm import InstrumentedAttribute

from gangting.kernel.actor import Actor
from gangting.staff.errors import OutOfScope
from gangting.staff.models import OrgUnit

_Row = TypeVarTuple("_Row")
ADMIN = "admin"


def sees(role: str | None, org_path: str | None, path: str | None) -> bool:
    """Whether someone of that role and unit path may see what lies at ``path`` (for callers
    that hold the two apart from an ``Actor``, as the live stream does)."""
    if role == ADMIN:
        return True
    if not org_path or path is None:
        return False
    return path.startswith(org_path)


def path_in_scope(actor: Actor, path: str | None) -> bool:
    """Whether what lies at the unit ``path`` is within the caller's scope."""
    return sees(actor.role, actor.org_path, path)


def require_scope(actor: Actor, path: str | None) -> None:
    """Refuse (403 ``auth.out_of_scope``) what lies outside the caller's scope."""
    if not path_in_scope(actor, path):
        raise OutOfScope("超出本单位管辖范围")


def scope_filter(
    actor: Actor, path_column: InstrumentedAttribute[str] = OrgUnit.path
) -> ColumnElement[bool]:
    """The SQL condition "``path_column`` is within the caller's scope"."""
    if actor.role == ADMIN:
        return true()
    if not actor.org_path:
        return false()
    return path_column.startswith(actor.org_path, autoescape=True)


def scoped(
    query: Select[*_Row], actor: Actor, path_column: InstrumentedAttribute[str] = OrgUnit.path
) -> Select[*_Row]:
    """``query`` (joined to the unit whose path is ``path_column``, by default ``OrgUnit``)
    narrowed to the caller's scope; admins' queries are left as they are."""
    if actor.role == ADMIN:
        return query
    return query.where(scope_filter(actor, path_column))
