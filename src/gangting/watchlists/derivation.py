"""Rebuilding the derived watch-list entries from the records, set-based (a few statements
whatever the number of vehicles): the SQL form of ``rules.derived_kinds``.

One run, in the caller's unit of work, holding the version counter:
1. withdraw the active derived entries whose reason is no longer true, and the manual
   entries whose expiry has passed;
2. add an entry for every (plate, reason) that is true and not listed;
3. when anything changed, the changed rows carry the next version and the counter moves.
Idempotent: a second run over the same records changes nothing (and no version is spent).
Manual entries are left alone until they expire.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import ColumnElement, Select, func, insert, select, update

from gangting.audit import service as audit
from gangting.kernel.actor import SYSTEM, Actor
from gangting.kernel.ids import new_id
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.service import require_role
from gangting.vehicles.models import Vehicle
from gangting.violations.models import Violation
from gangting.watchlists.models import WatchListEntry
from gangting.watchlists.rules import (
    LEGAL_BASIS,
    STATUS_KINDS,
    ReasonKind,
    WatchListPolicy,
    derived_reason,
)
from gangting.watchlists.service import bump, lock_counter

E = WatchListEntry
_STATUS_VALUES = [k.value for k in STATUS_KINDS]
_NO_LONGER_TRUE = "业务记录已变化，不再符合布控条件"
_EXPIRED = "人工布控已到期"
_CHUNK = 5_000


def _listed(plate: Any, kind: Any) -> ColumnElement[bool]:
    """An active entry of ``kind`` for ``plate`` exists (correlated to the outer query)."""
    return (
        select(E.id).where(E.plate_no == plate, E.reason_kind == kind, E.state == "active").exists()
    )


def _unprocessed_count(plate: Any) -> Any:
    return (
        select(func.count())
        .select_from(Violation)
        .where(Violation.plate_no == plate, Violation.state == "unprocessed")
        .scalar_subquery()
    )


def _withdraw(
    uow: UnitOfWork,
    condition: ColumnElement[bool],
    *,
    version: int,
    now: datetime,
    actor: Actor,
    reason: str,
) -> Counter[str]:
    rows = uow.session.execute(
        update(E)
        .where(E.state == "active", condition)
        .values(
            state="withdrawn",
            withdrawn_at=now,
            withdrawn_by=actor.name,
            withdrawn_reason=reason,
            version=version,
        )
        .returning(E.reason_kind),
        execution_options={"synchronize_session": False},
    ).all()
    return Counter(kind for (kind,) in rows)


def _new_by_status() -> Select[uuid.UUID, str, str]:
    return select(Vehicle.id, Vehicle.plate_no, Vehicle.status).where(
        Vehicle.status.in_(_STATUS_VALUES), ~_listed(Vehicle.plate_no, Vehicle.status)
    )


def _new_overdue(today: date) -> Select[uuid.UUID, str, date]:
    return select(Vehicle.id, Vehicle.plate_no, Vehicle.inspection_valid_until).where(
        Vehicle.inspection_valid_until < today,
        Vehicle.status.not_in(_STATUS_VALUES),
        ~_listed(Vehicle.plate_no, ReasonKind.OVERDUE_INSPECTION.value),
    )


def _new_many_violations(threshold: int) -> Select[Any]:
    counts = (
        select(Violation.plate_no.label("plate_no"), func.count().label("n"))
        .where(Violation.state == "unprocessed")
        .group_by(Violation.plate_no)
        .having(func.count() >= threshold)
        .subquery()
    )
    return (
        select(Vehicle.id, counts.c.plate_no, counts.c.n)
        .select_from(counts)
        .outerjoin(Vehicle, Vehicle.plate_no == counts.c.plate_no)
        .where(~_listed(counts.c.plate_no, ReasonKind.MANY_UNPROCESSED_VIOLATIONS.value))
    )


def _rows(
    uow: UnitOfWork, today: date, policy: WatchListPolicy
) -> Iterator[tuple[ReasonKind, Any, str, str, dict[str, Any]]]:
    """(kind, vehicle id, plate, source ref, facts) of every true reason not yet listed."""
    for vehicle_id, plate, status in uow.session.execute(_new_by_status()):
        yield ReasonKind(status), vehicle_id, plate, str(vehicle_id), {"status": status}
    for vehicle_id, plate, valid_until in uow.session.execute(_new_overdue(today)):
        overdue: dict[str, Any] = {"inspection_valid_until": valid_until.isoformat()}
        yield ReasonKind.OVERDUE_INSPECTION, vehicle_id, plate, str(vehicle_id), overdue
    threshold = policy.violation_threshold
    for vehicle_id, plate, n in uow.session.execute(_new_many_violations(threshold)):
        counted: dict[str, Any] = {"unprocessed": int(n), "threshold": threshold}
        yield ReasonKind.MANY_UNPROCESSED_VIOLATIONS, vehicle_id, plate, plate, counted


# The columns a derived entry fills (the others stay NULL).
_COLUMNS = (
    "id",
    "plate_no",
    "reason_kind",
    "reason",
    "legal_basis",
    "source_kind",
    "source_ref",
    "facts",
    "vehicle_id",
    "state",
    "created_at",
    "created_by",
    "version",
)


def _write(uow: UnitOfWork, rows: list[tuple[Any, ...]]) -> None:
    """Insert rows (``_COLUMNS`` order) in the unit of work's own transaction: COPY on
    PostgreSQL (the first build of a city lists ~100,000 plates; executemany takes
    several times longer), executemany elsewhere."""
    connection = uow.session.connection()
    if connection.dialect.name == "postgresql":
        json_at = [i for i, c in enumerate(_COLUMNS) if c in ("legal_basis", "facts")]
        dbapi: Any = connection.connection.driver_connection
        names = ", ".join(_COLUMNS)
        with (
            dbapi.cursor() as cur,
            cur.copy(f"COPY {E.__tablename__} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                values = list(row)
                for i in json_at:
                    values[i] = Jsonb(values[i])
                copy.write_row(values)
        return
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        connection.execute(insert(E), [dict(zip(_COLUMNS, r, strict=True)) for r in chunk])


def _insert(
    uow: UnitOfWork,
    found: Iterable[tuple[ReasonKind, Any, str, str, dict[str, Any]]],
    *,
    version: int,
    now: datetime,
    actor: Actor,
) -> Counter[str]:
    added: Counter[str] = Counter()
    rows: list[tuple[Any, ...]] = []
    for kind, vehicle_id, plate, source_ref, facts in found:
        source = "violations" if kind is ReasonKind.MANY_UNPROCESSED_VIOLATIONS else "vehicle"
        rows.append(
            (
                new_id(),
                plate,
                kind.value,
                derived_reason(kind, facts),
                list(LEGAL_BASIS[kind]),
                source,
                source_ref,
                facts,
                vehicle_id,
                "active",
                now,
                actor.name,
                version,
            )
        )
        added[kind.value] += 1
    if rows:
        _write(uow, rows)
    return added


def rebuild_derived_entries(
    uow: UnitOfWork, policy: WatchListPolicy, actor: Actor = SYSTEM
) -> dict[str, Any]:
    """Bring the derived entries in line with the records (module docstring). Returns the
    counts added and withdrawn by kind, the manual entries expired, and the version."""
    now = uow.clock.now()
    today = uow.clock.today()
    counter = lock_counter(uow)
    version = counter.version + 1
    common: dict[str, Any] = {"version": version, "now": now, "actor": actor}
    withdrawn = _withdraw(
        uow,
        E.reason_kind.in_(_STATUS_VALUES)
        & ~select(Vehicle.id)
        .where(Vehicle.plate_no == E.plate_no, Vehicle.status == E.reason_kind)
        .exists(),
        reason=_NO_LONGER_TRUE,
        **common,
    )
    withdrawn += _withdraw(
        uow,
        (E.reason_kind == ReasonKind.OVERDUE_INSPECTION.value)
        & ~select(Vehicle.id)
        .where(
            Vehicle.plate_no == E.plate_no,
            Vehicle.inspection_valid_until < today,
            Vehicle.status.not_in(_STATUS_VALUES),
        )
        .exists(),
        reason=_NO_LONGER_TRUE,
        **common,
    )
    withdrawn += _withdraw(
        uow,
        (E.reason_kind == ReasonKind.MANY_UNPROCESSED_VIOLATIONS.value)
        & (_unprocessed_count(E.plate_no) < policy.violation_threshold),
        reason=_NO_LONGER_TRUE,
        **common,
    )
    expired = _withdraw(
        uow,
        (E.reason_kind == ReasonKind.MANUAL.value) & (E.expires_at <= now),
        reason=_EXPIRED,
        **common,
    )
    added = _insert(uow, list(_rows(uow, today, policy)), **common)
    changed = sum(withdrawn.values()) + sum(expired.values()) + sum(added.values())
    result: dict[str, Any] = {
        "added": dict(sorted(added.items())),
        "withdrawn": dict(sorted(withdrawn.items())),
        "expired": sum(expired.values()),
        "changed": changed > 0,
    }
    if changed:
        bump(uow, counter)
        audit.record(uow, actor, "watch_list.rebuilt", "watch_list", counter.version, data=result)
    result["version"] = counter.version
    return result


def rebuild_on_request(uow: UnitOfWork, actor: Actor, policy: WatchListPolicy) -> dict[str, Any]:
    """A rebuild asked for by a person (admin: the list is the whole city's); the scheduled
    job calls ``rebuild_derived_entries`` as the system."""
    require_role(actor, "admin")
    return rebuild_derived_entries(uow, policy, actor)
