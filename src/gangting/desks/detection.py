"""The detection job (issue 11 §3): read the records with a few set queries (no query per
row), score them (``desks.detection_scoring``, pure) and store the proposals as cases
(``detection.service.upsert_cases``). Run daily by the worker (``detection.run``) and on
demand (``gangting detect``).

What each detector reads:
- point taking: penalty decisions with points, their violation's vehicle and its owner
  (today's owner: a vehicle transferred since is read as the new owner's), the decision's
  point entry (its scoring cycle) and the booth where it was made;
- shared phones: citizens with a phone number and their applications at booths;
- identity hopping: ``identity.verified`` audit entries (the booth and the time of each
  check; the subject is the citizen);
- off hours and outliers: applications (booth, time, state) and the audit entries of staff
  actors, ``identity.check_refused`` entries of booths.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import and_, func, or_, select

from gangting.applications.models import Application, ApplicationState
from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from gangting.citizens.models import Citizen
from gangting.citizens.rules import mask_id_number, mask_name
from gangting.config import Settings
from gangting.desks import detection_outliers as second
from gangting.desks import detection_scoring as scoring
from gangting.detection.rules import Pattern, Proposal, Thresholds
from gangting.detection.service import upsert_cases
from gangting.fines.models import PenaltyDecision
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.points.models import PointEntry
from gangting.points.rules import PointSourceKind
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.vehicles.models import Vehicle
from gangting.violations.models import Violation

log = logging.getLogger(__name__)
_CHUNK = 1000  # ids per IN (...) list
STAFF_METRICS = {
    "decision.late_fee_paused": "late_fee_pauses",
    "citizen.reveal": "reveals",
    "staff.login_failed": "failed_logins",
    "approval.rejected": "refused_approvals",
}


def thresholds_from_settings(settings: Settings) -> Thresholds:
    return Thresholds(
        window_days=settings.detect_window_days,
        many_owners=settings.detect_many_owners,
        repeat_cycles=settings.detect_repeat_cycles,
        repeat_decisions=settings.detect_repeat_decisions,
        block_min_density=settings.detect_block_min_density,
        shared_phone=settings.detect_shared_phone,
        hopping_booths=settings.detect_hopping_booths,
        hopping_window_s=settings.detect_hopping_window_s,
        open_hour=settings.detect_open_hour,
        close_hour=settings.detect_close_hour,
        off_hours_min=settings.detect_off_hours_min,
        recent_days=settings.detect_recent_days,
        outlier_z=settings.detect_outlier_z,
        second_opinion_model=settings.detect_second_opinion_model,
        second_opinion_contamination=settings.detect_second_opinion_contamination,
        second_opinion_max=settings.detect_second_opinion_max,
        second_opinion_min_actors=settings.detect_second_opinion_min_actors,
    )


def detect(uow: UnitOfWork, th: Thresholds) -> list[Proposal]:
    """Every detector's proposals over the records as they are now."""
    now = uow.clock.now()
    root = _root(uow)
    booths = _booths(uow)
    edges = _point_edges(uow, now - timedelta(days=max(th.window_days, th.history_days)), booths)
    recent = now - timedelta(days=th.recent_days)
    hopping_since = now - timedelta(days=th.hopping_lookback_days)
    entries = _audit_rows(uow, min(recent, hopping_since))
    checks = [
        scoring.IdentityCheck(
            str(e.id), e.subject_id, booths[e.booth_id][0], booths[e.booth_id][1], e.at
        )
        for e in entries
        if e.action == "identity.verified"
        and e.subject_kind == "citizen"
        and e.booth_id in booths
        and e.at >= hopping_since
    ]
    people = {e.driver_id for e in edges} | {e.owner_id for e in edges}
    # label the citizens who hop, not every one checked (a first pass without labels)
    hoppers = {p.subject_id for p in scoring.identity_hops(checks, th, {}, root)}
    checks = [c for c in checks if c.citizen_id in hoppers]
    labels = _citizen_labels(uow, people | {c.citizen_id for c in checks})
    applications = _applications(uow, recent)
    staff = _staff(uow)
    staff_entries = [
        e for e in entries if e.actor_kind == "staff" and e.actor_id in staff and e.at >= recent
    ]
    proposals: list[Proposal] = []
    proposals += scoring.many_owners(edges, now, th, labels, root)
    proposals += scoring.repeat_takers(edges, now, th, labels, root)
    proposals += scoring.dense_blocks(edges, now, th, labels, root)
    proposals += scoring.shared_phones(_phone_holders(uow, th, now, booths), th, root)
    proposals += scoring.identity_hops(checks, th, labels, root)
    operations = [
        scoring.Operation("booth", code, f"岗亭{code}", path, at, receipt, "applications")
        for receipt, booth_id, at, _, _ in applications
        if booth_id in booths
        for code, path in [booths[booth_id]]
    ] + [
        scoring.Operation(
            "staff",
            e.actor_id,
            staff[e.actor_id][0],
            staff[e.actor_id][1],
            e.at,
            str(e.id),
            "audit_entries",
        )
        for e in staff_entries
    ]
    proposals += scoring.off_hours(operations, th, root)
    retries = face_retries(entries, booths, recent, th.failed_then_passed_s)
    proposals += scoring.outliers(
        _rate_subjects(applications, entries, staff_entries, booths, staff, recent, retries),
        th,
        root,
    )
    opinion = second_opinion(
        uow, th, now, root, edges, entries, staff_entries, applications, retries, booths, staff
    )
    proposals += opinion.proposals
    return proposals


def second_opinion(
    uow: UnitOfWork,
    th: Thresholds,
    now: datetime,
    root: str,
    edges: Sequence[scoring.PointEdge],
    entries: Sequence[_Entry],
    staff_entries: Sequence[_Entry],
    applications: Sequence[_App],
    retries: dict[str, list[tuple[str, str]]],
    booths: dict[uuid.UUID, tuple[str, str]],
    staff: dict[str, tuple[str, str]],
) -> second.SecondOpinion:
    """The unsupervised second opinion (``desks.detection_outliers``) over what the other
    detectors read, plus the phone numbers that more than one applicant shares (one query);
    citizens labelled as staff views show them."""
    recent = now - timedelta(days=th.recent_days)
    codes = {booth_id: code for booth_id, (code, _) in booths.items()}
    phones = second.read_shared_phones(uow, recent)
    applicants = [
        second.Applicant(
            receipt,
            str(cid),
            codes.get(booth_id) if booth_id else None,
            at,
            str(state),
            phones.get(str(cid)),
        )
        for receipt, booth_id, at, state, cid in applications
    ]
    checks = [
        (str(e.id), codes[e.booth_id], e.action == "identity.verified")
        for e in entries
        if e.action in ("identity.verified", "identity.check_refused")
        and e.booth_id in codes
        and e.at >= recent
    ]
    tables = [
        second.booth_rows(
            {code: path for code, path in booths.values()}, applicants, checks, retries, th
        ),
        second.staff_rows(
            staff, [(str(e.id), e.actor_id, e.action, e.at) for e in staff_entries], th
        ),
        second.citizen_rows(edges, applicants, now, th),
    ]
    opinion = second.second_opinion(tables, th, root)
    for kind, why in opinion.skipped.items():
        log.info("second opinion: %s skipped: %s", kind, why)
    flagged = [p.subject_id for p in opinion.proposals if p.subject_kind == "citizen"]
    labels = _citizen_labels(uow, flagged)
    opinion.proposals = [
        dataclasses.replace(p, subject_label=labels.get(p.subject_id, p.subject_label))
        if p.subject_kind == "citizen"
        else p
        for p in opinion.proposals
    ]
    return opinion


def run_detection(uow: UnitOfWork, th: Thresholds) -> dict[str, dict[str, int]]:
    """Detect and store: counts per pattern (found, and new/updated/reopened/unchanged)."""
    proposals = detect(uow, th)
    stored = upsert_cases(uow, proposals)
    found: dict[str, int] = defaultdict(int)
    for p in proposals:
        found[p.pattern.value] += 1
    return {
        pattern.value: {"found": found.get(pattern.value, 0), **stored.get(pattern.value, {})}
        for pattern in Pattern
    }


# --- reads ----------------------------------------------------------------------------------


def _root(uow: UnitOfWork) -> str:
    """The path of the city's top unit (the one unit without a parent), "/" if there are
    several or none: a case there is for the admins."""
    roots = list(
        uow.session.execute(select(OrgUnit.path).where(OrgUnit.parent_id.is_(None))).scalars()
    )
    return roots[0] if len(roots) == 1 else "/"


def _booths(uow: UnitOfWork) -> dict[uuid.UUID, tuple[str, str]]:
    """Every booth: its code and its unit's path."""
    rows = uow.session.execute(
        select(Booth.id, Booth.code, OrgUnit.path).join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
    ).all()
    return {i: (code, path) for i, code, path in rows}


def _staff(uow: UnitOfWork) -> dict[str, tuple[str, str]]:
    """Every staff account by its id as audit entries write it: its label and unit path."""
    rows = uow.session.execute(
        select(StaffAccount.id, StaffAccount.username, StaffAccount.name, OrgUnit.path).join(
            OrgUnit, OrgUnit.id == StaffAccount.org_unit_id
        )
    ).all()
    return {str(i): (f"{username}（{name}）", path) for i, username, name, path in rows}


def _point_edges(
    uow: UnitOfWork, since: datetime, booths: dict[uuid.UUID, tuple[str, str]]
) -> list[scoring.PointEdge]:
    """Decisions with points since ``since`` whose driver is not the vehicle's owner."""
    rows = uow.session.execute(
        select(
            PenaltyDecision.decision_no,
            PenaltyDecision.points,
            Violation.ref,
            Violation.plate_no,
            PenaltyDecision.citizen_id,
            Vehicle.owner_id,
            PenaltyDecision.decided_at,
            PointEntry.cycle_start,
            PenaltyDecision.booth_id,
        )
        .join(Violation, Violation.id == PenaltyDecision.violation_id)
        .join(Vehicle, Vehicle.id == Violation.vehicle_id)
        .outerjoin(
            PointEntry,
            and_(
                PointEntry.source_kind == PointSourceKind.DECISION,
                PointEntry.source_id == PenaltyDecision.decision_no,
            ),
        )
        .where(
            PenaltyDecision.points > 0,
            PenaltyDecision.decided_at >= since,
            Vehicle.owner_id != PenaltyDecision.citizen_id,
        )
    ).all()
    edges = []
    for no, points, ref, plate, driver, owner, at, cycle, booth_id in rows:
        code, path = booths.get(booth_id, (None, None)) if booth_id else (None, None)
        edges.append(
            scoring.PointEdge(
                no, points, ref, plate, str(driver), str(owner), at, cycle, code, path
            )
        )
    return edges


def _chunks(values: Sequence[uuid.UUID]) -> Iterable[Sequence[uuid.UUID]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def _citizen_labels(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, str]:
    """Masked name and ID number of each citizen (as staff views show them)."""
    wanted = sorted({uuid.UUID(i) for i in ids})
    labels = {}
    for chunk in _chunks(wanted):
        for i, id_number, name in uow.session.execute(
            select(Citizen.id, Citizen.id_number, Citizen.name).where(Citizen.id.in_(chunk))
        ):
            labels[str(i)] = f"{mask_name(name)} {mask_id_number(id_number)}"
    return labels


class _App(NamedTuple):
    """The columns of an application the detectors read."""

    receipt_no: str
    booth_id: uuid.UUID | None
    created_at: datetime
    state: ApplicationState
    citizen_id: uuid.UUID


def _applications(uow: UnitOfWork, since: datetime) -> list[_App]:
    return [
        _App(*row)
        for row in uow.session.execute(
            select(
                Application.receipt_no,
                Application.booth_id,
                Application.created_at,
                Application.state,
                Application.citizen_id,
            ).where(Application.created_at >= since)
        )
    ]


@dataclass(frozen=True)
class _Entry:
    """The columns of an audit entry the detectors read."""

    id: uuid.UUID
    at: datetime
    actor_kind: str
    actor_id: str
    booth_id: uuid.UUID | None
    action: str
    subject_kind: str
    subject_id: str


def _audit_rows(uow: UnitOfWork, since: datetime) -> list[_Entry]:
    """The audit entries the detectors read: staff actors', and booths' identity checks."""
    wanted = or_(
        AuditEntry.actor_kind == "staff",
        AuditEntry.action.in_(("identity.verified", "identity.check_refused")),
    )
    query = select(
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.actor_kind,
        AuditEntry.actor_id,
        AuditEntry.booth_id,
        AuditEntry.action,
        AuditEntry.subject_kind,
        AuditEntry.subject_id,
    ).where(AuditEntry.at >= since, wanted)
    return [_Entry(*row) for row in uow.session.execute(query)]


def phone_key(phone: str) -> str:
    """A case's subject for a phone number: its SHA-256 (the number is never stored)."""
    return hashlib.sha256(phone.strip().encode()).hexdigest()[:32]


def _phone_holders(
    uow: UnitOfWork, th: Thresholds, now: datetime, booths: dict[uuid.UUID, tuple[str, str]]
) -> list[scoring.PhoneHolder]:
    """The citizens sharing a phone number with at least ``th.shared_phone`` others who did
    business at booths in the window, with their applications (two queries)."""
    since = now - timedelta(days=th.window_days)
    in_window = and_(Application.created_at >= since, Citizen.phone.is_not(None))
    phones = list(
        uow.session.execute(
            select(Citizen.phone)
            .join(Application, Application.citizen_id == Citizen.id)
            .where(in_window)
            .group_by(Citizen.phone)
            .having(func.count(func.distinct(Citizen.id)) >= th.shared_phone)
        ).scalars()
    )
    if not phones:
        return []
    receipts: dict[uuid.UUID, list[tuple[str, str, str | None, datetime]]] = defaultdict(list)
    people: dict[uuid.UUID, tuple[str, str]] = {}
    for cid, phone, id_number, name, receipt, booth_id, at in uow.session.execute(
        select(
            Citizen.id,
            Citizen.phone,
            Citizen.id_number,
            Citizen.name,
            Application.receipt_no,
            Application.booth_id,
            Application.created_at,
        )
        .join(Application, Application.citizen_id == Citizen.id)
        .where(in_window, Citizen.phone.in_(phones))
    ):
        people[cid] = (phone or "", f"{mask_name(name)} {mask_id_number(id_number)}")
        code, path = booths.get(booth_id, ("", None)) if booth_id else ("", None)
        receipts[cid].append((receipt, code, path, at))
    return [
        scoring.PhoneHolder(phone, phone_key(phone), label, receipts[cid])
        for cid, (phone, label) in people.items()
    ]


def face_retries(
    entries: Iterable[_Entry],
    booths: dict[uuid.UUID, tuple[str, str]],
    since: datetime,
    window_s: int,
) -> dict[str, list[tuple[str, str]]]:
    """Failed-then-passed face checks per booth code (``scoring.failed_then_passed``); only
    the (booth, citizen) pairs with a refused check are looked at."""
    refused = {
        (e.booth_id, e.subject_id)
        for e in entries
        if e.action == "identity.check_refused" and e.subject_kind == "citizen"
    }
    if not refused:
        return {}
    checks = [
        scoring.FaceCheck(
            str(e.id), booths[e.booth_id][0], e.subject_id, e.at, e.action == "identity.verified"
        )
        for e in entries
        if e.action in ("identity.verified", "identity.check_refused")
        and e.subject_kind == "citizen"
        and e.booth_id in booths
        and e.at >= since
        and (e.booth_id, e.subject_id) in refused
    ]
    return scoring.failed_then_passed(checks, window_s)


def _rate_subjects(
    applications: Sequence[_App],
    entries: Sequence[_Entry],
    staff_entries: Sequence[_Entry],
    booths: dict[uuid.UUID, tuple[str, str]],
    staff: dict[str, tuple[str, str]],
    since: datetime,
    retries: dict[str, list[tuple[str, str]]],
) -> list[scoring.RateSubject]:
    """Booths (applications; refused ones, refused identity checks, failed-then-passed face
    checks) and staff accounts (their audit entries; late-fee pauses, reveals, failed
    log-ins, rejected two-key approvals)."""
    booth_ops: dict[uuid.UUID, int] = defaultdict(int)
    booth_events: dict[uuid.UUID, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for receipt, booth_id, _, state, _ in applications:
        if booth_id not in booths:
            continue
        booth_ops[booth_id] += 1
        if state == ApplicationState.REFUSED:
            booth_events[booth_id]["refusals"].append(receipt)
    for e in entries:
        if e.action == "identity.check_refused" and e.booth_id in booths and e.at >= since:
            booth_events[e.booth_id]["identity_refusals"].append(str(e.id))
    codes = {code: booth_id for booth_id, (code, _) in booths.items()}
    for code, pairs in retries.items():
        booth_events[codes[code]]["failed_then_passed"] += [passed for _, passed in pairs]
    subjects = [
        scoring.RateSubject(
            "booth", code, f"岗亭{code}", path, booth_ops.get(booth_id, 0), booth_events[booth_id]
        )
        for booth_id, (code, path) in booths.items()
    ]
    staff_ops: dict[str, int] = defaultdict(int)
    staff_events: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for e in staff_entries:
        staff_ops[e.actor_id] += 1
        metric = STAFF_METRICS.get(e.action)
        if metric:
            staff_events[e.actor_id][metric].append(str(e.id))
    subjects += [
        scoring.RateSubject("staff", sid, label, path, staff_ops.get(sid, 0), staff_events[sid])
        for sid, (label, path) in staff.items()
    ]
    return subjects
