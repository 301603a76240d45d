"""The duty officer's records: search plate reads, watch-list hits, alerts and instructions
by plate, booth and time range, or their closed history (who closed each and the note), a
page at a time or every matching row (capped) for a CSV export. Each read is cut to the
caller's org scope (the booth's or the item's unit; admins: all), as the REST lists are.

Rows are display-ready (zh-CN names, times in the city's zone), one shape for the screen's
table and the exported file.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from gangting.alerts.models import Alert
from gangting.alerts.rules import ALERT_KIND_ZH, ALERT_STATE_ZH, SEVERITY_ZH
from gangting.audit import service as audit
from gangting.booths.models import Booth
from gangting.command_centre.errors import RecordKindUnknown
from gangting.instructions.models import Instruction, InstructionTarget
from gangting.instructions.rules import ACTIVE_STATES, KIND_ZH, RESULT_ZH, STATE_ZH
from gangting.kernel.actor import Actor
from gangting.kernel.clock import CITY_ZONE, iso_or_none
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.plate_reads.models import PlateReadRecord
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.staff.scope import scoped
from gangting.staff.service import require_role
from gangting.vehicles.rules import shown_plate
from gangting.watchlists.hits import HIT_STATE_ZH
from gangting.watchlists.models import WatchListEntry, WatchListHit
from gangting.watchlists.rules import REASON_KIND_ZH

RECORD_KINDS = ("plate_reads", "hits", "alerts", "instructions")
KIND_TITLE_ZH = {
    "plate_reads": "过车记录",
    "hits": "布控比中",
    "alerts": "告警",
    "instructions": "指令",
}
PAGE_SIZE_MAX = 100
EXPORT_MAX = 10_000


@dataclass(frozen=True)
class Filters:
    """``plate``: any part of the plate as typed (蒙B·12345, B12345, 12345); ``booth``: a
    booth code; ``since``/``until``: the item's time (read, seen, raised, issued) in
    [since, until); ``closed``: only closed items (alerts closed, hits decided,
    instructions completed, cancelled or expired)."""

    plate: str | None = None
    booth: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    closed: bool = False


@dataclass(frozen=True)
class Page:
    number: int = 1
    size: int = 20


def _when(at: datetime | None) -> str:
    return at.astimezone(CITY_ZONE).strftime("%Y-%m-%d %H:%M:%S") if at is not None else ""


def _plate_part(text: str) -> str:
    return text.replace("·", "").replace(" ", "").replace("-", "").upper()


def _plate_variants(part: str) -> set[str]:
    """The plate part as stored (蒙B12345) and as written in a title (蒙B·12345)."""
    variants = {part}
    if len(part) > 2 and not part[0].isascii():
        variants.add(f"{part[:2]}·{part[2:]}")
    return variants


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


# --- one query per kind: (Select of rows, the time column, a row -> display values) ------


@dataclass(frozen=True)
class _Kind:
    columns: tuple[tuple[str, str], ...]  # (key, zh-CN heading)
    query: Callable[[Actor, Filters], tuple[Any, Any]]
    rows: Callable[[UnitOfWork, Sequence[Any]], list[dict[str, str]]]


def _filtered(
    query: Any, time_col: Any, plate_cols: tuple[Any, ...], f: Filters, actor: Actor
) -> Any:
    query = scoped(query, actor)
    part = _plate_part(f.plate or "")
    if part:
        query = query.where(
            or_(
                *(
                    c.contains(v, autoescape=True)
                    for c in plate_cols
                    for v in sorted(_plate_variants(part))
                )
            )
        )
    if f.booth:
        query = query.where(Booth.code == f.booth.strip().upper())
    if f.since is not None:
        query = query.where(time_col >= f.since)
    if f.until is not None:
        query = query.where(time_col < f.until)
    return query


def _plate_reads(actor: Actor, f: Filters) -> tuple[Any, Any]:
    query = (
        select(PlateReadRecord, Booth.code)
        .join(Booth, Booth.id == PlateReadRecord.booth_id)
        .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
    )
    # a read is never "closed": the history of reads is every read
    time_col = PlateReadRecord.first_seen_at
    query = _filtered(query, time_col, (PlateReadRecord.plate_no,), f, actor)
    return query, (time_col, PlateReadRecord.id)


def _plate_read_rows(uow: UnitOfWork, rows: Sequence[Any]) -> list[dict[str, str]]:
    return [
        {
            "id": str(read.id),
            "at": _when(read.first_seen_at),
            "plate": shown_plate(read.plate_no),
            "booth": code,
            "camera": read.camera,
            "confidence": _percent(read.confidence),
        }
        for read, code in rows
    ]


def _hits(actor: Actor, f: Filters) -> tuple[Any, Any]:
    query = (
        select(WatchListHit, WatchListEntry, Booth.code, StaffAccount.name)
        .join(WatchListEntry, WatchListEntry.id == WatchListHit.entry_id)
        .join(Booth, Booth.id == WatchListHit.booth_id)
        .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
        .outerjoin(StaffAccount, StaffAccount.id == WatchListHit.decided_by_id)
    )
    if f.closed:
        query = query.where(WatchListHit.state != "pending")
    time_col = WatchListHit.seen_at
    query = _filtered(query, time_col, (WatchListHit.plate_no, WatchListHit.read_plate), f, actor)
    return query, (time_col, WatchListHit.id)


def _hit_rows(uow: UnitOfWork, rows: Sequence[Any]) -> list[dict[str, str]]:
    return [
        {
            "id": str(hit.id),
            "at": _when(hit.seen_at),
            "plate": shown_plate(hit.plate_no),
            "read_plate": shown_plate(hit.read_plate),
            "booth": code,
            "score": _percent(hit.score),
            "reason": f"{REASON_KIND_ZH.get(entry.reason_kind, entry.reason_kind)}：{entry.reason}",
            "state": HIT_STATE_ZH.get(hit.state, hit.state),
            "closed_by": _person(name, hit.decided_by),
            "closed_at": _when(hit.decided_at),
            "note": hit.note or "",
        }
        for hit, entry, code, name in rows
    ]


def _person(name: str | None, username: str | None) -> str:
    if not username:
        return ""
    return f"{name}（{username}）" if name and name != username else username


def _alerts(actor: Actor, f: Filters) -> tuple[Any, Any]:
    query = (
        select(Alert, Booth.code, OrgUnit.name)
        .join(OrgUnit, OrgUnit.id == Alert.org_unit_id)
        .outerjoin(Booth, Booth.id == Alert.booth_id)
    )
    if f.closed:
        query = query.where(Alert.state == "closed")
    time_col = Alert.raised_at
    # an alert names its plate in its title (a hit's alert); search the title for it
    query = _filtered(query, time_col, (Alert.title,), f, actor)
    return query, (time_col, Alert.id)


def _alert_rows(uow: UnitOfWork, rows: Sequence[Any]) -> list[dict[str, str]]:
    names = _names(uow, {a.closed_by for a, _c, _u in rows if a.closed_by})
    return [
        {
            "id": str(alert.id),
            "at": _when(alert.raised_at),
            "kind": ALERT_KIND_ZH.get(alert.kind, alert.kind),
            "severity": SEVERITY_ZH.get(alert.severity, alert.severity),
            "title": alert.title,
            "booth": code or "",
            "unit": unit,
            "state": ALERT_STATE_ZH.get(alert.state, alert.state),
            "closed_by": _person(names.get(alert.closed_by or ""), alert.closed_by),
            "closed_at": _when(alert.closed_at),
            "note": alert.close_note or "",
        }
        for alert, code, unit in rows
    ]


def _names(uow: UnitOfWork, usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    return {
        username: name
        for username, name in uow.session.execute(
            select(StaffAccount.username, StaffAccount.name).where(
                StaffAccount.username.in_(usernames)
            )
        ).all()
    }


def _instructions(actor: Actor, f: Filters) -> tuple[Any, Any]:
    issuer = aliased(StaffAccount)
    query = (
        select(Instruction, Booth.code, issuer.name)
        .join(OrgUnit, OrgUnit.id == Instruction.org_unit_id)
        .outerjoin(Booth, Booth.id == Instruction.booth_id)
        .outerjoin(issuer, issuer.id == Instruction.issued_by_id)
    )
    if actor.role == "officer":  # officers: only what went to them (instructions.views)
        query = query.where(
            Instruction.id.in_(
                select(InstructionTarget.instruction_id).where(
                    InstructionTarget.staff_id == actor.id
                )
            )
        )
    if f.closed:
        query = query.where(Instruction.state.not_in(ACTIVE_STATES))
    time_col = Instruction.issued_at
    query = _filtered(query, time_col, (Instruction.plate_no,), f, actor)
    return query, (time_col, Instruction.id)


def _instruction_rows(uow: UnitOfWork, rows: Sequence[Any]) -> list[dict[str, str]]:
    reports: defaultdict[uuid.UUID, list[InstructionTarget]] = defaultdict(list)
    ids = [i.id for i, _c, _n in rows]
    if ids:
        for target in uow.session.execute(
            select(InstructionTarget)
            .where(
                InstructionTarget.instruction_id.in_(ids),
                InstructionTarget.state == "reported",
            )
            .order_by(InstructionTarget.reported_at)
        ).scalars():
            reports[target.instruction_id].append(target)
    cancellers = _names(
        uow, {i.cancelled_by for i, _c, _n in rows if i.state == "cancelled" and i.cancelled_by}
    )
    out = []
    for i, code, issuer in rows:
        closed_by, closed_at, note = "", "", ""
        if i.state == "cancelled":
            closed_by = _person(cancellers.get(i.cancelled_by or ""), i.cancelled_by)
            closed_at, note = _when(i.cancelled_at), i.cancel_reason or ""
        elif i.state == "expired":
            closed_by, closed_at, note = "系统", _when(i.expired_at), "超过有效期"
        elif i.state == "completed":
            done = reports[i.id]
            closed_by = "、".join(_person(t.name, t.username) for t in done)
            closed_at = _when(i.completed_at)
            note = "；".join(
                RESULT_ZH.get(t.result or "", t.result or "")
                + (f"：{t.report_text}" if t.report_text else "")
                for t in done
            )
        out.append(
            {
                "id": str(i.id),
                "at": _when(i.issued_at),
                "no": i.no,
                "kind": KIND_ZH.get(i.kind, i.kind),
                "text": i.text,
                "plate": shown_plate(i.plate_no) if i.plate_no else "",
                "booth": code or "",
                "issued_by": _person(issuer, i.issued_by) if i.issued_by_id else "系统",
                "state": STATE_ZH.get(i.state, i.state),
                "closed_by": closed_by,
                "closed_at": closed_at,
                "note": note,
            }
        )
    return out


_CLOSED = (("closed_by", "处理人"), ("closed_at", "处理时间"), ("note", "处理说明"))
_KINDS: dict[str, _Kind] = {
    "plate_reads": _Kind(
        (
            ("at", "过车时间"),
            ("plate", "号牌"),
            ("booth", "岗亭"),
            ("camera", "摄像头"),
            ("confidence", "置信度"),
        ),
        _plate_reads,
        _plate_read_rows,
    ),
    "hits": _Kind(
        (
            ("at", "比中时间"),
            ("plate", "布控号牌"),
            ("read_plate", "识别号牌"),
            ("booth", "岗亭"),
            ("score", "相似度"),
            ("reason", "布控事由"),
            ("state", "状态"),
            *_CLOSED,
        ),
        _hits,
        _hit_rows,
    ),
    "alerts": _Kind(
        (
            ("at", "发生时间"),
            ("kind", "类别"),
            ("severity", "级别"),
            ("title", "内容"),
            ("booth", "岗亭"),
            ("unit", "单位"),
            ("state", "状态"),
            *_CLOSED,
        ),
        _alerts,
        _alert_rows,
    ),
    "instructions": _Kind(
        (
            ("at", "下发时间"),
            ("no", "编号"),
            ("kind", "类别"),
            ("text", "内容"),
            ("plate", "号牌"),
            ("booth", "岗亭"),
            ("issued_by", "下发人"),
            ("state", "状态"),
            *_CLOSED,
        ),
        _instructions,
        _instruction_rows,
    ),
}


def _kind(kind: str) -> _Kind:
    found = _KINDS.get(kind)
    if found is None:
        raise RecordKindUnknown("没有这类记录", data={"kind": kind, "kinds": list(RECORD_KINDS)})
    return found


def search(
    uow: UnitOfWork, actor: Actor, kind: str, filters: Filters, page: Page
) -> dict[str, Any]:
    """One page of the matching records, newest first, with the total and page count."""
    require_role(actor, "officer")
    spec = _kind(kind)
    query, (time_col, id_col) = spec.query(actor, filters)
    total = uow.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    size = max(1, min(page.size, PAGE_SIZE_MAX))
    pages = max(1, -(-total // size))
    number = max(1, min(page.number, pages))
    rows = uow.session.execute(
        query.order_by(time_col.desc(), id_col.desc()).limit(size).offset((number - 1) * size)
    ).all()
    return {
        "kind": kind,
        "title": KIND_TITLE_ZH[kind],
        "now": uow.clock.now().isoformat(),
        "columns": [{"key": k, "zh": zh} for k, zh in spec.columns],
        "rows": spec.rows(uow, rows),
        "total": total,
        "page": number,
        "size": size,
        "pages": pages,
    }


def export_csv(uow: UnitOfWork, actor: Actor, kind: str, filters: Filters) -> tuple[str, int]:
    """Every matching record (the newest ``EXPORT_MAX``) as CSV text with a byte-order mark
    (Excel then reads it as UTF-8) and zh-CN headings; and the number of rows."""
    require_role(actor, "officer")
    spec = _kind(kind)
    query, (time_col, id_col) = spec.query(actor, filters)
    rows = uow.session.execute(
        query.order_by(time_col.desc(), id_col.desc()).limit(EXPORT_MAX)
    ).all()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([zh for _k, zh in spec.columns])
    shown = spec.rows(uow, rows)
    for row in shown:
        writer.writerow([_cell(row[k]) for k, _zh in spec.columns])
    # what left the system, and who took it (plates are personal data)
    audit.record(
        uow,
        actor,
        "records.exported",
        "records",
        kind,
        data={"filters": _filters_data(filters), "rows": len(shown)},
    )
    return out.getvalue(), len(shown)


def _filters_data(f: Filters) -> dict[str, Any]:
    return {
        "plate": f.plate,
        "booth": f.booth,
        "since": iso_or_none(f.since),
        "until": iso_or_none(f.until),
        "closed": f.closed,
    }


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
