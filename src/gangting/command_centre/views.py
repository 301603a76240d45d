"""What the command-centre screen reads: booths with their colour on the map, the snapshot a
browser starts from (then follows live events), one booth's detail, its telemetry history
and a plate read's evidence crop. Each read within the caller's org scope, through the
other domains' services where they have one."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from gangting.alerts import service as alerts
from gangting.alerts.models import Alert
from gangting.alerts.rules import FaultPolicy, booth_faults
from gangting.booths import commands
from gangting.booths.models import Booth, BoothState, TelemetryReading
from gangting.booths.service import booth_in_scope
from gangting.command_centre.assist import list_sessions
from gangting.command_centre.errors import BoothNotFound, PlateReadNotFound
from gangting.command_centre.models import AssistSession
from gangting.command_centre.rules import BOOTH_STATUS_ZH, booth_status
from gangting.geo.districts import baotou_districts
from gangting.instructions import views as instruction_views
from gangting.instructions.models import Instruction
from gangting.kernel.actor import Actor
from gangting.kernel.clock import iso_or_none
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.plate_reads import service as plate_reads
from gangting.plate_reads.models import PlateReadRecord
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.staff.scope import require_scope, scoped
from gangting.staff.service import ROLE_RANK, ROLE_ZH, require_role
from gangting.watchlists import hits as watch_list_hits


@dataclass(frozen=True)
class ScreenPolicy:
    """``stale_after_s``: a booth without broker availability and without a report this
    long shows "no data" (GANGTING_BOOTH_STALE_AFTER_S); ``faults``: the fault limits."""

    stale_after_s: float = 300.0
    faults: FaultPolicy = FaultPolicy()


@dataclass(frozen=True)
class BoothInfo:
    """A booth's registry data the screen and the live events need (rarely changes)."""

    id: uuid.UUID
    code: str
    name: str
    org_unit_id: uuid.UUID
    org_code: str
    org_path: str
    district_code: str
    address: str
    longitude: float
    latitude: float
    enabled: bool


def booth_info(booth: Booth, unit: OrgUnit) -> BoothInfo:
    return BoothInfo(
        id=booth.id,
        code=booth.code,
        name=booth.name,
        org_unit_id=booth.org_unit_id,
        org_code=unit.code,
        org_path=unit.path,
        district_code=booth.district_code,
        address=booth.address,
        longitude=booth.longitude,
        latitude=booth.latitude,
        enabled=booth.enabled,
    )


def booth_view(
    info: BoothInfo,
    *,
    values: Mapping[str, Any] | None,
    availability: str | None,
    reported: Mapping[str, Any] | None,
    last_reported_at: datetime | None,
    last_changed_at: datetime | None,
    now: datetime,
    policy: ScreenPolicy,
) -> dict[str, Any]:
    """The booth as the map and the live ``booth_state`` event show it: registry data,
    current values, faults (alerts.rules.booth_faults) and the colour (rules.booth_status)."""
    current = dict(values or {})
    readings = {k: v.get("value") for k, v in current.items() if isinstance(v, dict)}
    adapters_raw = (reported or {}).get("adapters")
    adapters = (
        {str(k): str(v) for k, v in adapters_raw.items()} if isinstance(adapters_raw, dict) else {}
    )
    heard = availability or "unknown"
    faults = booth_faults(readings, heard, adapters, policy.faults)
    status = booth_status(heard, last_reported_at, now, policy.stale_after_s, faults)
    district = baotou_districts().get(info.district_code)
    return {
        "code": info.code,
        "name": info.name,
        "address": info.address,
        "district_code": info.district_code,
        "district": district.name if district is not None else None,
        "org_unit": info.org_code,
        "lon": info.longitude,
        "lat": info.latitude,
        "enabled": info.enabled,
        "status": status,
        "status_zh": BOOTH_STATUS_ZH[status],
        "availability": heard,
        "faults": [
            {"key": f.key, "cause": f.cause, "severity": f.severity, "title": f.title}
            for f in faults
        ],
        "values": current,
        "kiosk": (reported or {}).get("kiosk"),
        "last_reported_at": iso_or_none(last_reported_at),
        "last_changed_at": iso_or_none(last_changed_at),
    }


def state_booth_view(
    info: BoothInfo, state: BoothState | None, now: datetime, policy: ScreenPolicy
) -> dict[str, Any]:
    return booth_view(
        info,
        values=state.values if state is not None else None,
        availability=state.availability if state is not None else None,
        reported=state.reported if state is not None else None,
        last_reported_at=state.last_reported_at if state is not None else None,
        last_changed_at=state.last_changed_at if state is not None else None,
        now=now,
        policy=policy,
    )


def plate_read_brief(read: Mapping[str, Any]) -> dict[str, Any]:
    """A plate read for the feed: everything but the evidence crop (fetched on demand)."""
    brief = {k: v for k, v in read.items() if k != "evidence_jpeg_b64"}
    brief["has_evidence"] = bool(read.get("evidence_jpeg_b64"))
    return brief


def _help_booths(uow: UnitOfWork, booth_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Booths with a help call being handled: a remote-assist session or a help-call alert
    not yet closed."""
    if not booth_ids:
        return set()
    assisted = uow.session.execute(
        select(AssistSession.booth_id).where(
            AssistSession.booth_id.in_(booth_ids), AssistSession.state != "closed"
        )
    ).scalars()
    alerted = uow.session.execute(
        select(Alert.booth_id).where(
            Alert.booth_id.in_(booth_ids), Alert.kind == "help_call", Alert.state != "closed"
        )
    ).scalars()
    return {b for b in (*assisted, *alerted) if b is not None}


def list_booths(uow: UnitOfWork, actor: Actor, policy: ScreenPolicy) -> list[dict[str, Any]]:
    """Every booth of the caller's scope with its colour and help-call flag."""
    require_role(actor, "officer")
    rows = uow.session.execute(
        scoped(
            select(Booth, OrgUnit, BoothState)
            .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
            .outerjoin(BoothState, BoothState.booth_id == Booth.id)
            .order_by(Booth.code),
            actor,
        )
    ).all()
    now = uow.clock.now()
    helped = _help_booths(uow, [b.id for b, _u, _s in rows])
    views = []
    for booth, unit, state in rows:
        view = state_booth_view(booth_info(booth, unit), state, now, policy)
        view["help"] = booth.id in helped
        views.append(view)
    return views


def me(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    """Who is looking (officer and above): name, role, unit and whether they may command."""
    require_role(actor, "officer")
    return _me(uow, actor)


def _me(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    account = uow.session.get(StaffAccount, actor.id) if actor.id is not None else None
    unit = uow.session.get(OrgUnit, account.org_unit_id) if account is not None else None
    return {
        "username": actor.name,
        "name": account.name if account is not None else actor.name,
        "role": actor.role,
        "role_zh": ROLE_ZH.get(actor.role or "", actor.role),
        "unit": unit.name if unit is not None else None,
        "may_command": ROLE_RANK.get(actor.role or "", 0) >= ROLE_RANK["supervisor"],
    }


def _hits(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """Pending hits, and hits confirmed in the last day with the instruction issued from
    each (if any): the screen offers "下发指令" on a confirmed hit without one."""
    pending = watch_list_hits.list_hits(uow, actor, state="pending", limit=50)
    since = uow.clock.now() - timedelta(days=1)
    confirmed = [
        h
        for h in watch_list_hits.list_hits(uow, actor, state="confirmed", limit=30)
        if h["decided_at"] is not None and datetime.fromisoformat(h["decided_at"]) >= since
    ]
    return [*pending, *with_instructions(uow, confirmed)]


def with_instructions(uow: UnitOfWork, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each hit view with ``instruction``: the newest instruction issued from it, or None."""
    ids = [uuid.UUID(h["id"]) for h in found]
    issued: dict[str, dict[str, Any]] = {}
    if ids:
        for instruction in uow.session.execute(
            select(Instruction).where(Instruction.hit_id.in_(ids)).order_by(Instruction.issued_at)
        ).scalars():
            issued[str(instruction.hit_id)] = {
                "id": str(instruction.id),
                "no": instruction.no,
                "state": instruction.state,
            }
    return [{**h, "instruction": issued.get(h["id"])} for h in found]


def snapshot(uow: UnitOfWork, actor: Actor, policy: ScreenPolicy) -> dict[str, Any]:
    """Everything the screen shows at start (and after a gap in the live stream)."""
    require_role(actor, "officer")
    supervisor = ROLE_RANK.get(actor.role or "", 0) >= ROLE_RANK["supervisor"]
    instructions = instruction_views.list_instructions(
        uow, actor, state="active", mine=not supervisor, limit=100
    )["instructions"]
    return {
        "now": iso_or_none(uow.clock.now()),
        "me": _me(uow, actor),
        "booths": list_booths(uow, actor, policy),
        "alerts": alerts.list_alerts(uow, actor, state="active", limit=100),
        "hits": _hits(uow, actor),
        "instructions": instructions,
        "plate_reads": [
            plate_read_brief(r) for r in plate_reads.list_plate_reads(uow, actor, limit=20)
        ],
        "assist": list_sessions(uow, actor, active=True),
    }


def _booth_in_scope(uow: UnitOfWork, actor: Actor, code: str) -> tuple[Booth, OrgUnit]:
    require_role(actor, "officer")
    return booth_in_scope(uow, actor, code, BoothNotFound)


def booth_detail(uow: UnitOfWork, actor: Actor, code: str, policy: ScreenPolicy) -> dict[str, Any]:
    """One booth: registry, current state and faults, open alerts, remote commands and
    their states, the latest plate reads with their crops, the telemetry kinds it reports
    and its remote-assist session (if one is open)."""
    booth, unit = _booth_in_scope(uow, actor, code)
    state = uow.session.get(BoothState, booth.id)
    now = uow.clock.now()
    view = state_booth_view(booth_info(booth, unit), state, now, policy)
    view["help"] = booth.id in _help_booths(uow, [booth.id])
    kinds = sorted(
        set(
            uow.session.execute(
                select(TelemetryReading.kind)
                .where(
                    TelemetryReading.booth_id == booth.id,
                    TelemetryReading.at >= now - timedelta(days=1),
                )
                .distinct()
            ).scalars()
        )
        | set((state.values if state is not None else {}).keys())
    )
    session = next(
        (s for s in list_sessions(uow, actor, active=True, limit=200) if s["booth"] == code), None
    )
    return {
        "now": iso_or_none(now),
        "booth": {
            **view,
            "unit": {"code": unit.code, "name": unit.name},
            "disabled_by": booth.disabled_by,
            "disabled_reason": booth.disabled_reason,
            "broker_account": booth.broker_password_hash is not None,
            "reported": state.reported if state is not None else {},
            "reported_at": iso_or_none(state.reported_at if state is not None else None),
            "availability_changed_at": iso_or_none(
                state.availability_changed_at if state is not None else None
            ),
        },
        "alerts": alerts.list_alerts(uow, actor, state="active", booth_code=code, limit=50),
        "commands": commands.list_commands(uow, actor, booth_code=code, limit=10),
        "plate_reads": plate_reads.list_plate_reads(uow, actor, booth_code=code, limit=8),
        "telemetry_kinds": kinds,
        "assist": session,
    }


NUMERIC_KINDS = ("temperature_c", "queue_length", "heartbeat")


def telemetry_history(
    uow: UnitOfWork, actor: Actor, code: str, kind: str, hours: int, limit: int = 500
) -> dict[str, Any]:
    """The booth's readings of one kind over the last ``hours`` (oldest first, the newest
    ``limit``): numbers for a line chart, states (paper, door, power …) for a band."""
    booth, _ = _booth_in_scope(uow, actor, code)
    now = uow.clock.now()
    rows = list(
        uow.session.execute(
            select(TelemetryReading.at, TelemetryReading.value)
            .where(
                TelemetryReading.booth_id == booth.id,
                TelemetryReading.kind == kind,
                TelemetryReading.at >= now - timedelta(hours=hours),
            )
            .order_by(TelemetryReading.at.desc())
            .limit(limit)
        ).all()
    )
    rows.reverse()
    return {
        "booth": code,
        "kind": kind,
        "now": iso_or_none(now),
        "from": iso_or_none(now - timedelta(hours=hours)),
        "numeric": kind in NUMERIC_KINDS
        or all(isinstance(v, int | float) and not isinstance(v, bool) for _, v in rows),
        "points": [{"at": iso_or_none(at), "value": value} for at, value in rows],
    }


def plate_read_evidence(uow: UnitOfWork, actor: Actor, read_id: uuid.UUID) -> dict[str, Any]:
    """The evidence crop of one plate read (a booth in the caller's scope)."""
    require_role(actor, "officer")
    row = uow.session.execute(
        select(PlateReadRecord, Booth.code, OrgUnit.path)
        .join(Booth, Booth.id == PlateReadRecord.booth_id)
        .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
        .where(PlateReadRecord.id == read_id)
    ).first()
    if row is None:
        raise PlateReadNotFound("没有该过车记录", data={"id": str(read_id)})
    read, code, path = row
    require_scope(actor, path)
    return {
        "id": str(read.id),
        "booth": code,
        "plate_no": read.plate_no,
        "jpeg_b64": read.evidence_jpeg_b64,
        "box": read.box,
        "frame_size": read.frame_size,
    }


def district_map() -> dict[str, Any]:
    """Baotou's districts for the screen's map (outer rings, longitude/latitude)."""
    districts = baotou_districts()
    return {
        "districts": [
            {
                "code": d.code,
                "name": d.name,
                "centroid": list(d.centroid),
                "polygons": [[list(p) for p in polygon[0]] for polygon in d.polygons],
            }
            for d in districts.values()
        ]
    }
