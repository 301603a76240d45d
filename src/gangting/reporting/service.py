"""The reports' use cases (issue 13 §5): the manager page's figures and the two documents,
for a period of city days. Reads only; figures are city-wide aggregates without personal
data (docs/decisions/0024-reports.md)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gangting.booths.models import Booth
from gangting.config import Settings
from gangting.kernel.actor import Actor
from gangting.ratings.indicators import rating_indicators
from gangting.reporting import documents, kpis, reform
from gangting.reporting.errors import FormatInvalid, PeriodInvalid
from gangting.staff.models import OrgUnit
from gangting.staff.scope import ADMIN, scoped

MAX_MONTHS = 60
Kind = Literal["monthly", "reform"]
Format = Literal["html", "pdf"]
Progress = Callable[[str], None]


def parse_period(
    start: str | None, end: str | None, today: date, *, months: int
) -> tuple[date, date]:
    """[start, end] from ISO text; missing: the ``months`` whole months before today's."""
    try:
        last = date.fromisoformat(end) if end else date(today.year, today.month, 1) - timedelta(1)
        if start:
            first = date.fromisoformat(start)
        else:
            index = last.year * 12 + last.month - 1 - (months - 1)
            first = date(index // 12, index % 12 + 1, 1)
    except ValueError:
        raise PeriodInvalid(
            "日期格式应为 YYYY-MM-DD，如 2026-11-01", data={"from": start, "to": end}
        ) from None
    if last < first:
        raise PeriodInvalid("结束日期不能早于开始日期", data={"from": str(first), "to": str(last)})
    span = (last.year * 12 + last.month) - (first.year * 12 + first.month) + 1
    if span > MAX_MONTHS:
        raise PeriodInvalid(
            f"统计期间最长{MAX_MONTHS}个月", data={"months": span, "max_months": MAX_MONTHS}
        )
    return first, last


def _kpi(row: kpis.KpiRow) -> dict[str, Any]:
    out = asdict(row)
    out["booth_id"] = str(row.booth_id) if row.booth_id else None
    return out


def booths_in_scope(session: Session, actor: Actor) -> set[uuid.UUID] | None:
    """The booths the caller's unit sees (``staff.scope``); None for an admin (all)."""
    if actor.role == ADMIN:
        return None
    return set(
        session.execute(
            scoped(select(Booth.id).join(OrgUnit, OrgUnit.id == Booth.org_unit_id), actor)
        ).scalars()
    )


def kpi_rows(
    session: Session,
    settings: Settings,
    start: date,
    end: date,
    by: str,
    booth_ids: Collection[uuid.UUID] | None = None,
) -> dict[str, Any]:
    dims = [d for d in by.split(",") if d] if by else []
    try:
        rows = kpis.service_kpis(
            session,
            start=start,
            end=end,
            by=dims,
            assumptions=documents.assumptions_from(settings),
            booth_ids=booth_ids,
        )
    except ValueError:
        raise PeriodInvalid(
            "分组只能是 booth、district、month、service_item 的组合",
            code="reports.by_invalid",
            data={"by": by, "allowed": list(kpis.DIMS)},
        ) from None
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "by": dims,
        "rows": [_kpi(r) for r in rows],
    }


def overview(
    session: Session,
    settings: Settings,
    start: date,
    end: date,
    booth_ids: Collection[uuid.UUID] | None = None,
) -> dict[str, Any]:
    """The manager page's first view: the period's totals, the monthly trend, the booths
    ranked, the refusals, the 好差评 board; of the booths in ``booth_ids`` (a caller's
    scope; None: all)."""
    a = documents.assumptions_from(settings)

    def k(by: list[str]) -> list[kpis.KpiRow]:
        return kpis.service_kpis(
            session, start=start, end=end, by=by, assumptions=a, booth_ids=booth_ids
        )

    total, months, booths = k([]), k(["month"]), k(["booth"])
    booths.sort(key=lambda r: (-r.completed, r.booth_code or ""))
    refusals = kpis.refusals_by_reason(session, start=start, end=end, booth_ids=booth_ids)
    labels = kpis.refusal_labels(session, [r.refusal_code for r in refusals])
    board = rating_indicators(session, start=start, end=end, by="booth", booth_ids=booth_ids)
    board.sort(key=lambda r: (-(r.good_rate or 0.0), -r.ratings, r.key))
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "total": _kpi(total[0]) if total else None,
        "months": [_kpi(r) for r in months],
        "booths": [_kpi(r) for r in booths],
        "refusals": [
            {
                "refusal_code": r.refusal_code,
                "reason_zh": labels[r.refusal_code],
                "refusals": r.refusals,
            }
            for r in refusals
        ],
        "ratings": [r.to_dict() for r in board],
        "assumptions": asdict(a),
    }


def reform_estimates(session: Session, start: date, end: date) -> dict[str, Any]:
    """The latest reform-effect estimates with their event-study plots (SVG)."""
    effect = reform.reform_effect(session, start=start, end=end)
    answer = effect.to_dict()
    for item, e in zip(answer["effects"], effect.effects, strict=True):
        item["svg"] = e.svg
        item["sentence"] = documents.effect_sentence(e) if e.result else None
    return answer


def render(
    session: Session,
    settings: Settings,
    kind: str,
    fmt: str,
    start: date,
    end: date,
    now: datetime,
    progress: Progress | None = None,
    booth_ids: Collection[uuid.UUID] | None = None,
) -> bytes:
    """The document, as UTF-8 HTML or PDF bytes. The monthly report's booth figures are
    those of ``booth_ids`` (a caller's scope; None: all); the reform report is the city's,
    by district (no unit's records in it)."""
    if kind not in ("monthly", "reform"):
        raise FormatInvalid(
            "报告只有 monthly（服务月报）和 reform（改革成效）两种", data={"kind": kind}
        )
    if fmt not in ("html", "pdf"):
        raise FormatInvalid("格式只能是 html 或 pdf", data={"format": fmt})
    tick = progress or (lambda _: None)
    if kind == "monthly":
        data = documents.monthly_data(
            session,
            start=start,
            end=end,
            settings=settings,
            now=now,
            progress=tick,
            booth_ids=booth_ids,
        )
        html = documents.monthly_html(data, font=settings.report_font)
    else:
        effect = reform.reform_effect(session, start=start, end=end, progress=tick)
        html = documents.reform_html(
            effect, generated_at=now, city_name=settings.city_name, font=settings.report_font
        )
    tick("html")
    if fmt == "html":
        return html.encode("utf-8")
    from gangting.reporting.pdf import html_to_pdf

    pdf = html_to_pdf(html)
    tick("pdf")
    return pdf


def file_name(kind: str, fmt: str, start: date, end: date) -> str:
    return f"gangting-{kind}-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"
