"""Service KPIs from the operations (issue 13 §2), in SQL over ``service_visits`` on
PostgreSQL and SQLite alike: wait (queue number to start), handle time, the one-visit rate
(一次办结率), applications per booth-hour, refusals by reason, trips and kilometres saved
against the nearest service hall, officer hours saved; per booth, district, month, service
item or any combination; and each booth before and after its opening.

Definitions (docs/decisions/0024-reports.md):

- visits: rows of ``service_visits`` whose ``started_at`` falls in [start, end] (city days);
- wait: ``started_at - queued_at``; handle time: ``finished_at - started_at`` (seconds, mean);
- one-visit rate: of the first visits (``visit_no = 1``: a matter's first), the share that
  completed the matter (finished without a second visit; the same definition as
  ``gangting.visits.panel``);
- applications per booth-hour: visits that filed an application over the booth-days served
  (distinct booth and city day with any visit) times ``report_booth_hours_per_day``;
- trips saved: booth visits; kilometres and officer hours saved: ``reporting.rules``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from gangting.applications.models import Application
from gangting.geo.districts import baotou_districts
from gangting.reporting import rules
from gangting.reporting.sql import (
    as_uuid,
    avg_seconds,
    booths,
    city_range,
    day_of,
    month_index,
    month_label,
    month_of,
    month_text,
    service_visits,
    sum_seconds,
)

Dim = Literal["booth", "district", "month", "service_item"]
DIMS: tuple[Dim, ...] = ("booth", "district", "month", "service_item")
Channel = Literal["booth", "hall"]


@dataclass(frozen=True)
class KpiRow:
    """The KPIs of one group (the dimensions not grouped by are None)."""

    booth_id: uuid.UUID | None
    booth_code: str | None
    booth_name: str | None
    district_code: str | None
    district_name: str | None
    month: str | None
    service_item: str | None
    visits: int
    completed: int
    first_visits: int
    completed_first_visit: int
    refused: int
    referred: int
    one_visit_rate: float | None
    wait_s_avg: float | None
    handle_s_avg: float | None
    applications: int
    booth_days: int
    applications_per_booth_hour: float | None
    trips_saved: int
    km_saved: float
    officer_hours_saved: float

    def key(self) -> tuple[Any, ...]:
        return (self.booth_id, self.district_code, self.month, self.service_item)


@dataclass(frozen=True)
class RefusalRow:
    booth_id: uuid.UUID | None
    district_code: str | None
    month: str | None
    service_item: str | None
    refusal_code: str
    refusals: int


def _check_dims(by: Sequence[str]) -> tuple[Dim, ...]:
    dims: list[Dim] = []
    for d in by:
        if d not in DIMS:
            raise ValueError(f"unknown dimension {d!r}; one of {', '.join(DIMS)}")
        if d not in dims:
            dims.append(d)
    return tuple(dims)


def _dim_columns(dims: Sequence[Dim], dialect: str) -> list[ColumnElement[Any]]:
    v = service_visits.c
    exprs: dict[Dim, ColumnElement[Any]] = {
        "booth": v.booth_id,
        "district": v.district_code,
        "month": month_of(v.started_at, dialect),
        "service_item": v.service_item,
    }
    return [exprs[d].label(d) for d in dims]


def _where(
    start: date,
    end: date,
    channel: Channel | None,
    booth_ids: Collection[uuid.UUID] | None = None,
) -> list[ColumnElement[bool]]:
    """The period (and channel); with ``booth_ids`` (a caller's scope), the visits at those
    booths only."""
    since, until = city_range(start, end)
    v = service_visits.c
    conds: list[ColumnElement[bool]] = [v.started_at >= since, v.started_at < until]
    if channel is not None:
        conds.append(v.channel == channel)
    if booth_ids is not None:
        conds.append(v.booth_id.in_(list(booth_ids)))
    return conds


def _key(row: Any, dims: Sequence[Dim]) -> tuple[Any, ...]:
    """(booth_id, district, month, item) of a result row, None where not grouped by."""
    m = row._mapping
    return (
        as_uuid(m["booth"]) if "booth" in dims else None,
        m["district"] if "district" in dims else None,
        month_text(m["month"]) if "month" in dims else None,
        m["service_item"] if "service_item" in dims else None,
    )


@dataclass(frozen=True)
class _BoothPlace:
    code: str
    name: str
    district_code: str
    lonlat: tuple[float, float]


def _booth_places(session: Session) -> dict[uuid.UUID, _BoothPlace]:
    b = booths.c
    rows = session.execute(
        select(b.id, b.code, b.name, b.district_code, b.longitude, b.latitude)
    ).all()
    return {
        uuid.UUID(str(r.id)): _BoothPlace(
            r.code, r.name, r.district_code, (float(r.longitude), float(r.latitude))
        )
        for r in rows
    }


def hall_places() -> tuple[rules.Place, ...]:
    """The service halls (packaged configuration data, ``gangting.visits.halls``)."""
    from gangting.visits.halls import service_halls

    return tuple(rules.Place(h.code, h.longitude, h.latitude) for h in service_halls())


def district_centroids() -> dict[str, tuple[float, float]]:
    """Each district's centroid (lon, lat) from the packaged boundaries (``gangting.geo``)."""
    return {code: d.centroid for code, d in baotou_districts().items()}


def service_kpis(
    session: Session,
    *,
    start: date,
    end: date,
    by: Sequence[str] = ("booth",),
    channel: Channel | None = "booth",
    assumptions: rules.Assumptions | None = None,
    halls: Sequence[rules.Place] | None = None,
    booth_ids: Collection[uuid.UUID] | None = None,
) -> list[KpiRow]:
    """The KPIs of the visits started in [start, end] (city days), grouped ``by`` any of
    booth, district, month, service_item (none: one row for everything). ``channel`` 'booth'
    (default) or 'hall' or None (both); ``booth_ids``: those booths' visits only (a
    caller's scope; None: all)."""
    if end < start:
        raise ValueError("end before start")
    dims = _check_dims(by)
    a = assumptions or rules.Assumptions()
    dialect = session.get_bind().dialect.name
    v = service_visits.c
    where = _where(start, end, channel, booth_ids)
    group = _dim_columns(dims, dialect)
    completed = v.outcome == "completed"
    totals = session.execute(
        select(
            *group,
            func.count().label("visits"),
            func.coalesce(func.sum(case((completed, 1), else_=0)), 0).label("completed"),
            func.coalesce(func.sum(case((v.visit_no == 1, 1), else_=0)), 0).label("firsts"),
            func.coalesce(func.sum(case((and_(completed, v.visit_no == 1), 1), else_=0)), 0).label(
                "first"
            ),
            func.coalesce(func.sum(case((v.outcome == "refused", 1), else_=0)), 0).label("refused"),
            func.coalesce(func.sum(case((v.outcome == "referred", 1), else_=0)), 0).label(
                "referred"
            ),
            avg_seconds(v.queued_at, v.started_at, dialect).label("wait"),
            avg_seconds(v.started_at, v.finished_at, dialect).label("handle"),
            func.count(v.application_id).label("applications"),
            func.coalesce(func.sum(case((v.channel == "booth", 1), else_=0)), 0).label(
                "booth_visits"
            ),
            func.coalesce(
                func.sum(case((and_(completed, v.channel == "booth"), 1), else_=0)), 0
            ).label("booth_completed"),
        )
        .where(*where)
        .group_by(*[g.element for g in group])
    ).all()

    # booth-days served: distinct (booth, city day) per group
    day = day_of(v.started_at, dialect).label("day")
    served = (
        select(*group, v.booth_id.label("b"), day)
        .where(*where, v.booth_id.is_not(None))
        .distinct()
        .subquery()
    )
    days_q = (
        select(*[served.c[d] for d in dims], func.count().label("booth_days"))
        .select_from(served)
        .group_by(*[served.c[d] for d in dims])
    )
    booth_days = {_key(r, dims): int(r.booth_days) for r in session.execute(days_q)}

    # kilometres: booth visits per (group, booth, home district), the distance in Python
    pairs = session.execute(
        select(*group, v.booth_id.label("b"), v.home_district_code.label("home"), func.count())
        .where(*where, v.channel == "booth", v.home_district_code.is_not(None))
        .group_by(*[g.element for g in group], v.booth_id, v.home_district_code)
    ).all()
    km: dict[tuple[Any, ...], float] = defaultdict(float)
    if pairs:
        places = _booth_places(session)
        centroids = district_centroids()
        hall_list = tuple(halls) if halls is not None else hall_places()
        per_pair: dict[tuple[uuid.UUID, str], float] = {}
        for r in pairs:
            booth_id = as_uuid(r.b)
            home = centroids.get(r.home)
            if booth_id is None or booth_id not in places or home is None:
                continue
            pk = (booth_id, r.home)
            if pk not in per_pair:
                per_pair[pk] = rules.km_saved_per_visit(
                    home, places[booth_id].lonlat, hall_list, a.road_factor
                )
            km[_key(r, dims)] += per_pair[pk] * int(r[-1])

    names = _booth_places(session) if "booth" in dims else {}
    districts = baotou_districts()
    out: list[KpiRow] = []
    for r in totals:
        key = _key(r, dims)
        booth_id, district, month, item = key
        place = names.get(booth_id) if booth_id is not None else None
        if place is not None and district is None:
            district = place.district_code  # a booth serves in its own district
        days = booth_days.get(key, 0)
        out.append(
            KpiRow(
                booth_id=booth_id,
                booth_code=place.code if place else None,
                booth_name=place.name if place else None,
                district_code=district,
                district_name=districts[district].name if district in districts else None,
                month=month,
                service_item=item,
                visits=int(r.visits),
                completed=int(r.completed),
                first_visits=int(r.firsts),
                completed_first_visit=int(r.first),
                refused=int(r.refused),
                referred=int(r.referred),
                one_visit_rate=rules.ratio(int(r.first), int(r.firsts)),
                wait_s_avg=float(r.wait) if r.wait is not None else None,
                handle_s_avg=float(r.handle) if r.handle is not None else None,
                applications=int(r.applications),
                booth_days=days,
                applications_per_booth_hour=rules.ratio(
                    int(r.applications), days * a.booth_hours_per_day
                ),
                trips_saved=int(r.booth_visits),
                km_saved=round(km.get(key, 0.0), 3),
                officer_hours_saved=rules.officer_hours_saved(int(r.booth_completed), a),
            )
        )
    out.sort(key=lambda k: tuple("" if x is None else str(x) for x in k.key()))
    return out


def refusals_by_reason(
    session: Session,
    *,
    start: date,
    end: date,
    by: Sequence[str] = (),
    channel: Channel | None = "booth",
    booth_ids: Collection[uuid.UUID] | None = None,
) -> list[RefusalRow]:
    """Refused visits per reason code (and per the dimensions ``by``), most first."""
    dims = _check_dims(by)
    dialect = session.get_bind().dialect.name
    v = service_visits.c
    group = _dim_columns(dims, dialect)
    code = func.coalesce(v.refusal_code, "unknown").label("code")
    rows = session.execute(
        select(*group, code, func.count().label("n"))
        .where(*_where(start, end, channel, booth_ids), v.outcome == "refused")
        .group_by(*[g.element for g in group], code.element)
    ).all()
    out = []
    for r in rows:
        booth_id, district, month, item = _key(r, dims)
        out.append(RefusalRow(booth_id, district, month, item, str(r.code), int(r.n)))
    out.sort(
        key=lambda x: (
            -x.refusals,
            x.refusal_code,
            f"{x.booth_id}|{x.district_code}|{x.month}|{x.service_item}",
        )
    )
    return out


def refusal_labels(session: Session, codes: Collection[str]) -> dict[str, str]:
    """Each refusal code's zh-CN words: the rules' own message on one refused application
    that carries the code (the code itself when none is found; "未注明" for a visit filed
    without one)."""
    v = service_visits.c
    labels: dict[str, str] = {"unknown": "未注明"}
    for code in sorted(set(codes) - set(labels)):
        app_id = session.execute(
            select(v.application_id)
            .where(v.refusal_code == code, v.application_id.is_not(None))
            .limit(1)
        ).scalar()
        reasons = (
            session.execute(select(Application.reasons).where(Application.id == app_id)).scalar()
            if app_id is not None
            else None
        )
        found = [r.get("message") for r in reasons or [] if r.get("code") == code]
        labels[code] = str(found[0]) if found and found[0] else code
    return {code: labels[code] for code in codes}


@dataclass(frozen=True)
class DistrictMonth:
    """One district's month of visits, by the citizen's home district where known (else
    the district served): the outcomes of the reform's panel and the before/after."""

    district_code: str
    month: str
    hall_visits: int
    booth_visits: int
    completed: int
    first_visits: int
    completed_first_visit: int
    wait_s_sum: float
    visits: int


def district_month_counts(session: Session, *, start: date, end: date) -> list[DistrictMonth]:
    """Visits per (home district, month), one statement: hall and booth visits, completed
    and completed at the first visit, total wait. The reform panel's outcomes."""
    dialect = session.get_bind().dialect.name
    v = service_visits.c
    district = func.coalesce(v.home_district_code, v.district_code).label("district")
    month = month_of(v.started_at, dialect).label("month")
    completed = v.outcome == "completed"
    rows = session.execute(
        select(
            district,
            month,
            func.coalesce(func.sum(case((v.channel == "hall", 1), else_=0)), 0).label("hall"),
            func.coalesce(func.sum(case((v.channel == "booth", 1), else_=0)), 0).label("booth"),
            func.coalesce(func.sum(case((completed, 1), else_=0)), 0).label("completed"),
            func.coalesce(func.sum(case((v.visit_no == 1, 1), else_=0)), 0).label("firsts"),
            func.coalesce(func.sum(case((and_(completed, v.visit_no == 1), 1), else_=0)), 0).label(
                "first"
            ),
            sum_seconds(v.queued_at, v.started_at, dialect).label("wait"),
            func.count().label("visits"),
        )
        .where(*_where(start, end, None))
        .group_by(district.element, month.element)
    ).all()
    return sorted(
        (
            DistrictMonth(
                str(r.district),
                month_text(r.month),
                int(r.hall),
                int(r.booth),
                int(r.completed),
                int(r.firsts),
                int(r.first),
                float(r.wait),
                int(r.visits),
            )
            for r in rows
        ),
        key=lambda d: (d.district_code, d.month),
    )


@dataclass(frozen=True)
class BeforeAfter:
    """A booth's district in the months before and after the booth opened (monthly means;
    the opening month itself belongs to neither side)."""

    booth_id: uuid.UUID
    booth_code: str
    booth_name: str
    district_code: str
    opened_on: date
    months_before: int
    months_after: int
    hall_visits_before: float | None
    hall_visits_after: float | None
    one_visit_rate_before: float | None
    one_visit_rate_after: float | None
    wait_s_before: float | None
    wait_s_after: float | None
    booth_visits_after: float | None


def _side(
    rows: list[DistrictMonth],
) -> tuple[float | None, float | None, float | None, float | None]:
    if not rows:
        return None, None, None, None
    n = len(rows)
    firsts = sum(r.first_visits for r in rows)
    visits = sum(r.visits for r in rows)
    return (
        sum(r.hall_visits for r in rows) / n,
        rules.ratio(sum(r.completed_first_visit for r in rows), firsts),
        rules.ratio(sum(r.wait_s_sum for r in rows), visits),
        sum(r.booth_visits for r in rows) / n,
    )


def before_after(
    session: Session,
    *,
    window_months: int = 6,
    until: date | None = None,
    booth_ids: Collection[uuid.UUID] | None = None,
) -> list[BeforeAfter]:
    """Each opened booth's district, ``window_months`` before its opening month against as
    many after (fewer where the data ends; ``until`` caps the after side); with
    ``booth_ids``, those booths only (their districts' figures are the city's)."""
    v = booths.c
    query = select(v.id, v.code, v.name, v.district_code, v.opened_on).where(
        v.opened_on.is_not(None)
    )
    if booth_ids is not None:
        query = query.where(v.id.in_(list(booth_ids)))
    opened = session.execute(query.order_by(v.opened_on, v.code)).all()
    if not opened:
        return []
    first = min(r.opened_on for r in opened)
    last = max(r.opened_on for r in opened)
    lo = month_label(month_index(f"{first:%Y-%m}") - window_months)
    hi_index = month_index(f"{last:%Y-%m}") + window_months
    end = date(hi_index // 12, hi_index % 12 + 1, 28)
    if until is not None:
        end = min(end, until)
    counts = district_month_counts(session, start=date(int(lo[:4]), int(lo[5:]), 1), end=end)
    by_district: dict[str, dict[int, DistrictMonth]] = defaultdict(dict)
    for c in counts:
        by_district[c.district_code][month_index(c.month)] = c
    out = []
    for r in opened:
        m0 = month_index(f"{r.opened_on:%Y-%m}")
        months = by_district.get(r.district_code, {})
        before = [months[i] for i in range(m0 - window_months, m0) if i in months]
        after = [months[i] for i in range(m0 + 1, m0 + 1 + window_months) if i in months]
        hb, ob, wb, _ = _side(before)
        ha, oa, wa, ba = _side(after)
        out.append(
            BeforeAfter(
                as_uuid(r.id),  # type: ignore[arg-type]
                r.code,
                r.name,
                r.district_code,
                r.opened_on,
                len(before),
                len(after),
                hb,
                ha,
                ob,
                oa,
                wb,
                wa,
                ba,
            )
        )
    return out
