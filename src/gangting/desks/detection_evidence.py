"""A detection case's evidence trail (issue 11 §4): the record ids a case names
(``DetectionCase.evidence``: decision numbers, receipt numbers, audit entry ids…) resolved
into rows a supervisor can read, with the booth, the operator and the times.

- applications: time, booth (code and name), operator (the actor of the application's audit
  entry: the booth itself for self-service, or a staff account), business, result;
- decisions with their point entries: decision no, time, plate, points and scoring cycle,
  booth, driver and owner (masked), whether the driver is the owner;
- identity checks (``identity.verified`` / ``identity.check_refused`` entries named by the
  case, and for a case about a citizen that citizen's own newest checks): time, booth,
  face distance and threshold, liveness, passed or refused and why;

A case about a citizen also shows that citizen's newest applications; a row the case itself
names has ``named`` true.
- the other audit entries: time, actor, action, subject, reason.

Scoped like the case: ``detection.service.get_case`` refuses a case outside the caller's
unit (403) before anything is resolved; a citizen subject's own applications and checks
beyond those the case names are those at booths within the caller's unit. Each kind is
read with queries over id lists (chunked ``IN``), never one query per row. Ids a case
names that are no longer found are listed under ``missing``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from gangting.applications.models import Application
from gangting.applications.rules import SERVICE_ZH
from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from gangting.citizens.models import Citizen
from gangting.citizens.rules import mask_id_number, mask_name
from gangting.detection import service as cases
from gangting.fines.models import PenaltyDecision
from gangting.kernel.actor import Actor
from gangting.kernel.money import format_yuan
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.points.models import PointEntry
from gangting.points.rules import PointSourceKind
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.staff.scope import scoped
from gangting.vehicles.models import Vehicle
from gangting.violations.models import Violation

_CHUNK = 500  # ids per IN (...) list
SUBJECT_ROWS = 50  # a citizen subject's own identity checks and applications, newest first
IDENTITY_ACTIONS = ("identity.verified", "identity.check_refused")
STATE_ZH = {"completed": "已办结", "refused": "不予办理", "pending": "办理中"}
REFUSAL_ZH = {
    "identity.face_mismatch": "人脸比对未通过",
    "identity.liveness_failed": "活体检测未通过",
    "identity.threshold_too_loose": "比对阈值过宽",
    "identity.citizen_not_found": "未查到登记信息",
    "citizens.invalid_id_number": "身份证号无效",
}

T = TypeVar("T")


def _chunks(values: Sequence[T]) -> Iterable[Sequence[T]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def _uuids(values: Iterable[str]) -> list[uuid.UUID]:
    out = set()
    for v in values:
        try:
            out.add(uuid.UUID(str(v)))
        except ValueError:
            continue
    return sorted(out)


def _label(name: str, id_number: str) -> str:
    return f"{mask_name(name)} {mask_id_number(id_number)}"


def case_trail(uow: UnitOfWork, actor: Actor, case_id: uuid.UUID) -> dict[str, Any]:
    """The case (refused outside the caller's unit) and its evidence, resolved."""
    case = cases.get_case(uow, actor, case_id)
    evidence: dict[str, list[str]] = case["evidence"]
    resolver = _Resolver(uow, actor)
    subject_citizen = case["subject_id"] if case["subject_kind"] == "citizen" else None
    applications = resolver.applications(evidence.get("applications", []), subject_citizen)
    decisions = resolver.decisions(evidence.get("decisions", []))
    checks, entries = resolver.audit_entries(evidence.get("audit_entries", []), subject_citizen)
    resolver.finish_labels(applications, decisions, checks, entries)
    missing = {
        kind: sorted(set(wanted) - found)
        for kind, wanted, found in (
            ("applications", evidence.get("applications", []), resolver.found["applications"]),
            ("decisions", evidence.get("decisions", []), resolver.found["decisions"]),
            ("audit_entries", evidence.get("audit_entries", []), resolver.found["audit_entries"]),
        )
        if set(wanted) - found
    }
    return {
        "case": case,
        "applications": applications,
        "decisions": decisions,
        "identity_checks": checks,
        "audit_entries": entries,
        "missing": missing,
    }


class _Resolver:
    """Reads each kind once over its id list; booths, staff and citizens named by the rows
    are labelled at the end with one query each."""

    def __init__(self, uow: UnitOfWork, actor: Actor) -> None:
        self.session = uow.session
        # The subject's own rows beyond those the case names: only at booths in the
        # caller's scope (the case's rows lie inside the case's unit by construction).
        self.booths_in_scope = scoped(
            select(Booth.id).join(OrgUnit, OrgUnit.id == Booth.org_unit_id), actor
        )
        self.found: dict[str, set[str]] = {
            "applications": set(),
            "decisions": set(),
            "audit_entries": set(),
        }
        self.booths: set[uuid.UUID] = set()
        self.citizens: set[uuid.UUID] = set()
        self.staff: set[str] = set()

    # --- applications -----------------------------------------------------------------

    def applications(
        self, receipts: Sequence[str], subject_citizen: str | None
    ) -> list[dict[str, Any]]:
        columns = (
            Application.receipt_no,
            Application.created_at,
            Application.booth_id,
            Application.citizen_id,
            Application.service_item,
            Application.state,
        )
        found: dict[str, tuple[Any, bool]] = {}
        for chunk in _chunks(sorted(set(receipts))):
            for a in self.session.execute(
                select(*columns).where(Application.receipt_no.in_(chunk))
            ):
                found[a.receipt_no] = (a, True)
                self.found["applications"].add(a.receipt_no)
        subject = _uuids([subject_citizen]) if subject_citizen else []
        if subject:
            own = (
                select(*columns)
                .where(
                    Application.citizen_id == subject[0],
                    Application.booth_id.in_(self.booths_in_scope),
                )
                .order_by(Application.created_at.desc())
                .limit(SUBJECT_ROWS)
            )
            for a in self.session.execute(own):
                found.setdefault(a.receipt_no, (a, False))
        rows: list[dict[str, Any]] = []
        for a, named in found.values():
            self.booths |= {a.booth_id} if a.booth_id else set()
            self.citizens.add(a.citizen_id)
            rows.append(
                {
                    "receipt_no": a.receipt_no,
                    "named": named,
                    "at": a.created_at,
                    "_booth": a.booth_id,
                    "_citizen": a.citizen_id,
                    "service_item": a.service_item,
                    "service_zh": SERVICE_ZH.get(a.service_item, a.service_item),
                    "state": a.state.value,
                    "state_zh": STATE_ZH.get(a.state.value, a.state.value),
                }
            )
        # the operator: the actor of each application's own audit entry
        operators: dict[str, tuple[str, str]] = {}
        for chunk in _chunks(sorted(found)):
            for kind, actor_id, receipt in self.session.execute(
                select(AuditEntry.actor_kind, AuditEntry.actor_id, AuditEntry.subject_id).where(
                    AuditEntry.subject_kind == "application",
                    AuditEntry.subject_id.in_(chunk),
                    AuditEntry.action.startswith("application."),
                )
            ):
                operators[receipt] = (kind.value, actor_id)
                self._note_actor(kind.value, actor_id)
        for row in rows:
            row["_operator"] = operators.get(row["receipt_no"])
        rows.sort(key=lambda r: (r["at"], r["receipt_no"]), reverse=True)
        return rows

    # --- decisions and their point entries ------------------------------------------------

    def decisions(self, numbers: Sequence[str]) -> list[dict[str, Any]]:
        wanted = sorted(set(numbers))
        rows: list[dict[str, Any]] = []
        for chunk in _chunks(wanted):
            point = aliased(PointEntry)
            for d in self.session.execute(
                select(
                    PenaltyDecision.decision_no,
                    PenaltyDecision.decided_at,
                    PenaltyDecision.points,
                    PenaltyDecision.fine_fen,
                    PenaltyDecision.booth_id,
                    PenaltyDecision.citizen_id,
                    Violation.ref,
                    Violation.plate_no,
                    Vehicle.owner_id,
                    point.points.label("entry_points"),
                    point.cycle_start,
                    point.recorded_at,
                )
                .join(Violation, Violation.id == PenaltyDecision.violation_id)
                .outerjoin(Vehicle, Vehicle.id == Violation.vehicle_id)
                .outerjoin(
                    point,
                    and_(
                        point.source_kind == PointSourceKind.DECISION,
                        point.source_id == PenaltyDecision.decision_no,
                    ),
                )
                .where(PenaltyDecision.decision_no.in_(chunk))
            ):
                self.found["decisions"].add(d.decision_no)
                self.booths |= {d.booth_id} if d.booth_id else set()
                self.citizens |= {d.citizen_id} | ({d.owner_id} if d.owner_id else set())
                rows.append(
                    {
                        "decision_no": d.decision_no,
                        "at": d.decided_at,
                        "violation_ref": d.ref,
                        "plate": d.plate_no,
                        "points": d.points,
                        "point_entry": d.entry_points is not None,
                        "point_cycle_start": None
                        if d.cycle_start is None
                        else d.cycle_start.isoformat(),
                        "points_recorded_at": None
                        if d.recorded_at is None
                        else d.recorded_at.isoformat(),
                        "fine_display": format_yuan(d.fine_fen),
                        "_booth": d.booth_id,
                        "_driver": d.citizen_id,
                        "_owner": d.owner_id,
                        "driver_is_owner": d.owner_id == d.citizen_id,
                    }
                )
        rows.sort(key=lambda r: (r["at"], r["decision_no"]), reverse=True)
        return rows

    # --- audit entries: identity checks and the rest ---------------------------------------

    def audit_entries(
        self, ids: Sequence[str], subject_citizen: str | None
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        entries: dict[uuid.UUID, Any] = {}
        columns = (
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.actor_kind,
            AuditEntry.actor_id,
            AuditEntry.booth_id,
            AuditEntry.action,
            AuditEntry.subject_kind,
            AuditEntry.subject_id,
            AuditEntry.reason,
            AuditEntry.data,
        )
        for chunk in _chunks(_uuids(ids)):
            for e in self.session.execute(select(*columns).where(AuditEntry.id.in_(chunk))):
                entries[e.id] = e
                self.found["audit_entries"].add(str(e.id))
        named = set(entries)
        if subject_citizen is not None:
            own = (
                select(*columns)
                .where(
                    AuditEntry.subject_kind == "citizen",
                    AuditEntry.subject_id == subject_citizen,
                    AuditEntry.action.in_(IDENTITY_ACTIONS),
                    AuditEntry.booth_id.in_(self.booths_in_scope),
                )
                .order_by(AuditEntry.at.desc())
                .limit(SUBJECT_ROWS)
            )
            for e in self.session.execute(own):
                entries.setdefault(e.id, e)
        checks: list[dict[str, Any]] = []
        others: list[dict[str, Any]] = []
        for e in sorted(entries.values(), key=lambda e: (e.at, str(e.id)), reverse=True):
            if e.booth_id:
                self.booths.add(e.booth_id)
            self._note_actor(e.actor_kind.value, e.actor_id)
            if e.action in IDENTITY_ACTIONS:
                checks.append({**self._check(e), "named": e.id in named})
            else:
                others.append(
                    {
                        "entry_id": str(e.id),
                        "at": e.at,
                        "actor_kind": e.actor_kind.value,
                        "_actor": (e.actor_kind.value, e.actor_id),
                        "_booth": e.booth_id,
                        "action": e.action,
                        "subject_kind": e.subject_kind,
                        "subject_id": e.subject_id,
                        "reason": e.reason,
                    }
                )
        return checks, others

    def _check(self, e: Any) -> dict[str, Any]:
        data: dict[str, Any] = e.data or {}
        passed = e.action == "identity.verified"
        citizen = None
        if e.subject_kind == "citizen":
            parsed = _uuids([e.subject_id])
            if parsed:
                citizen = parsed[0]
                self.citizens.add(citizen)
        codes = [str(c) for c in data.get("reasons", [])] if not passed else []
        return {
            "entry_id": str(e.id),
            "at": e.at,
            "_booth": e.booth_id,
            "_citizen": citizen,
            "passed": passed,
            "face_distance": _number(data.get("face_distance")),
            "face_threshold": _number(data.get("face_threshold")),
            "face_score": _number(data.get("face_score")),
            "liveness_passed": data.get("liveness_passed")
            if isinstance(data.get("liveness_passed"), bool)
            else None,
            "max_abs_yaw": _number(data.get("max_abs_yaw")),
            "turn_deg": _number(data.get("turn_deg")),
            "card_source": data.get("card_source"),
            "refusals": [{"code": c, "message": REFUSAL_ZH.get(c, c)} for c in codes],
        }

    # --- labels ---------------------------------------------------------------------------

    def _note_actor(self, kind: str, actor_id: str) -> None:
        if kind == "staff":
            self.staff.add(actor_id)
        elif kind == "booth":
            self.booths.update(_uuids([actor_id]))

    def finish_labels(self, *groups: list[dict[str, Any]]) -> None:
        """Replace the private ids (``_booth``, ``_citizen``…) with what staff may read."""
        booths: dict[uuid.UUID, tuple[str, str]] = {}
        for chunk in _chunks(sorted(self.booths)):
            for i, code, name in self.session.execute(
                select(Booth.id, Booth.code, Booth.name).where(Booth.id.in_(chunk))
            ):
                booths[i] = (code, name)
        people: dict[uuid.UUID, str] = {}
        for chunk in _chunks(sorted(self.citizens)):
            for i, name, id_number in self.session.execute(
                select(Citizen.id, Citizen.name, Citizen.id_number).where(Citizen.id.in_(chunk))
            ):
                people[i] = _label(name, id_number)
        staff: dict[str, str] = {}
        for chunk in _chunks(_uuids(self.staff)):
            for i, username, name in self.session.execute(
                select(StaffAccount.id, StaffAccount.username, StaffAccount.name).where(
                    StaffAccount.id.in_(chunk)
                )
            ):
                staff[str(i)] = f"{username}（{name}）"

        def actor_label(kind: str, actor_id: str) -> str:
            if kind == "staff":
                return staff.get(actor_id, actor_id)
            if kind == "booth":
                ids = _uuids([actor_id])
                code, name = booths.get(ids[0], (actor_id, "")) if ids else (actor_id, "")
                return f"岗亭自助 {code}" + (f"（{name}）" if name else "")
            return "系统" if kind == "system" else actor_id

        for rows in groups:
            for row in rows:
                row["at"] = row["at"].isoformat()
                if "_booth" in row:
                    booth = booths.get(row.pop("_booth"))
                    row["booth_code"] = None if booth is None else booth[0]
                    row["booth_name"] = None if booth is None else booth[1]
                if "_citizen" in row:
                    cid = row.pop("_citizen")
                    row["citizen"] = None if cid is None else people.get(cid)
                if "_driver" in row:
                    row["driver"] = people.get(row.pop("_driver"))
                    owner = row.pop("_owner")
                    row["owner"] = None if owner is None else people.get(owner)
                if "_operator" in row:
                    op = row.pop("_operator")
                    row["operator"] = None if op is None else actor_label(*op)
                if "_actor" in row:
                    row["actor"] = actor_label(*row.pop("_actor"))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
