"""The two reports as self-contained zh-CN HTML (issue 13 §5): the monthly service report and
the reform-effect report. Inline CSS, inline SVG charts (text as paths), the CJK font subset
inlined as a data: URL; no external URL anywhere, so the file opens on a police network
without internet and WeasyPrint prints it without fetching anything (``reporting.pdf``)."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Any

from sqlalchemy.orm import Session

from gangting.applications.rules import SERVICE_ZH
from gangting.config import Settings
from gangting.geo.districts import baotou_districts
from gangting.kernel.clock import CITY_ZONE
from gangting.ratings.indicators import IndicatorRow, rating_indicators
from gangting.reporting import charts, kpis
from gangting.reporting.fonts import FAMILY, font_face_css
from gangting.reporting.reform import ReformEffect
from gangting.reporting.rules import Assumptions

CSS = """
@page { size: A4; margin: 16mm 14mm 16mm 14mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; color: #6b7280; } }
* { box-sizing: border-box; }
html { font-family: '%(family)s', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei',
  'PingFang SC', sans-serif; color: #111827; font-size: 10.5pt; line-height: 1.55; }
body { margin: 0 auto; max-width: 190mm; padding: 8mm 0; }
header.cover { border-bottom: 3px solid #1d4ed8; margin-bottom: 6mm; padding-bottom: 3mm; }
header.cover .org { color: #1d4ed8; font-size: 10pt; margin: 0; }
h1 { font-size: 20pt; margin: 2mm 0 1mm; }
h2 { font-size: 13.5pt; margin: 7mm 0 2mm; border-left: 4px solid #1d4ed8; padding-left: 2mm;
  break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; break-after: avoid; }
p.meta { color: #4b5563; font-size: 9pt; margin: 0; }
table { border-collapse: collapse; width: 100%%; margin: 2mm 0 3mm; font-size: 9pt; }
th, td { border: 1px solid #d1d5db; padding: 1.2mm 1.8mm; text-align: right; }
th { background: #eff6ff; font-weight: 700; }
td.l, th.l { text-align: left; }
tr { break-inside: avoid; }
.kpis { display: flex; flex-wrap: wrap; gap: 2mm; margin: 2mm 0; }
.kpi { border: 1px solid #d1d5db; border-radius: 2mm; padding: 2mm 3mm; width: 44mm; }
.kpi .v { font-size: 15pt; font-weight: 700; color: #1d4ed8; display: block; }
.kpi .k { font-size: 8.5pt; color: #4b5563; }
figure { margin: 2mm 0 4mm; break-inside: avoid; }
figure svg { width: 100%%; height: auto; }
figcaption { font-size: 8.5pt; color: #4b5563; }
.note { background: #fffbeb; border: 1px solid #fcd34d; padding: 2mm 3mm; font-size: 9pt; }
.good { color: #047857; } .bad { color: #b91c1c; }
ul.caveats li { margin-bottom: 1.5mm; }
section { break-inside: auto; }
"""


def _pct(x: float | None) -> str:
    return "—" if x is None or math.isnan(x) else f"{x * 100:.1f}%"


def _num(x: float | None, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:,.{digits}f}"


def _min(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f}"


def _table(headings: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """An HTML table; the first ``left`` columns left-aligned. Cells are escaped."""
    head = "".join(
        f'<th class="l">{escape(h)}</th>' if i < left else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headings)
    )
    if not rows:
        body = f'<tr><td class="l" colspan="{len(headings)}">无数据</td></tr>'
    else:
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="l">{escape(c)}</td>' if i < left else f"<td>{escape(c)}</td>"
                for i, c in enumerate(row)
            )
            + "</tr>"
            for row in rows
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def _document(title: str, body: str, font: str = "") -> str:
    """The whole document: CSS with the embedded font subset of exactly its text."""
    text = re.sub(r"<svg.*?</svg>", "", body, flags=re.DOTALL)
    text = re.sub(r"<[^>]+>", "", text) + title
    face = font_face_css(text, font)
    return (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        f"<style>{face}{CSS % {'family': FAMILY}}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def assumptions_from(settings: Settings) -> Assumptions:
    return Assumptions(
        counter_minutes_per_matter=settings.report_counter_minutes_per_matter,
        booth_officer_minutes_per_matter=settings.report_booth_officer_minutes_per_matter,
        booth_hours_per_day=settings.report_booth_hours_per_day,
        road_factor=settings.report_road_factor,
    )


# --- the monthly service report -------------------------------------------------------------


@dataclass(frozen=True)
class MonthlyData:
    start: date
    end: date
    generated_at: datetime
    city_name: str
    assumptions: Assumptions
    window_months: int
    total: kpis.KpiRow | None
    months: list[kpis.KpiRow]
    booths: list[kpis.KpiRow]
    districts: list[kpis.KpiRow]
    items: list[kpis.KpiRow]
    halls_total: kpis.KpiRow | None
    refusals: list[kpis.RefusalRow]
    refusal_zh: dict[str, str]  # each refusal code's words (kpis.refusal_labels)
    before_after: list[kpis.BeforeAfter]
    ratings: list[IndicatorRow]
    trend_from: date
    scope: str


def monthly_data(
    session: Session,
    *,
    start: date,
    end: date,
    settings: Settings,
    now: datetime,
    progress: Callable[[str], None] | None = None,
    booth_ids: Collection[uuid.UUID] | None = None,
) -> MonthlyData:
    """Every figure of the monthly report, from the database (one statement a table); with
    ``booth_ids`` (a caller's scope) the booths' figures are those booths' only (the halls'
    are the city's)."""
    tick = progress or (lambda _: None)
    a = assumptions_from(settings)

    def k(by: Sequence[str], channel: Any = "booth") -> list[kpis.KpiRow]:
        return kpis.service_kpis(
            session,
            start=start,
            end=end,
            by=by,
            channel=channel,
            assumptions=a,
            booth_ids=booth_ids if channel == "booth" else None,
        )

    total = k([])
    tick("total")
    # the trend: the 12 months up to the period's end (the period itself when longer)
    last = end.year * 12 + end.month - 1
    first = min(start.year * 12 + start.month - 1, last - 11)
    trend_from = date(first // 12, first % 12 + 1, 1)
    months = kpis.service_kpis(session, start=trend_from, end=end, by=["month"], assumptions=a)
    tick("months")
    by_booth = k(["booth"])
    tick("booths")
    districts = k(["district"])
    items = k(["service_item"])
    halls = k([], "hall")
    tick("districts")
    refusals = kpis.refusals_by_reason(session, start=start, end=end, booth_ids=booth_ids)
    refusal_zh = kpis.refusal_labels(session, [r.refusal_code for r in refusals])
    ba = kpis.before_after(
        session, window_months=settings.report_window_months, until=end, booth_ids=booth_ids
    )
    board = rating_indicators(session, start=start, end=end, by="booth", booth_ids=booth_ids)
    board.sort(key=lambda r: (-(r.good_rate or 0.0), -r.ratings, r.key))
    tick("ratings")
    return MonthlyData(
        start,
        end,
        now,
        settings.city_name,
        a,
        settings.report_window_months,
        total[0] if total else None,
        months,
        by_booth,
        districts,
        items,
        halls[0] if halls else None,
        refusals,
        refusal_zh,
        ba,
        board,
        trend_from,
        "全市" if booth_ids is None else f"本单位辖区 {len(booth_ids)} 个岗亭",
    )


def _cover(title: str, start: date, end: date, generated_at: datetime, city: str) -> str:
    made = generated_at.astimezone(CITY_ZONE).strftime("%Y-%m-%d %H:%M")
    return (
        '<header class="cover">'
        f'<p class="org">{escape(city)}公安局交通管理支队 · 交通智慧岗亭</p>'
        f"<h1>{escape(title)}</h1>"
        f'<p class="meta">统计期间：{start.isoformat()} 至 {end.isoformat()}（北京时间）'
        f" · 生成时间：{made}</p></header>"
    )


def _tile(value: str, label: str) -> str:
    return (
        f'<div class="kpi"><span class="v">{escape(value)}</span>'
        f'<span class="k">{escape(label)}</span></div>'
    )


def monthly_html(d: MonthlyData, *, font: str = "") -> str:
    title = f"{d.city_name}交通智慧岗亭服务月报"
    t = d.total
    parts = [_cover(title, d.start, d.end, d.generated_at, d.city_name)]
    parts.append(f'<p class="meta">统计范围：{escape(d.scope)}（服务大厅为全市）</p>')
    parts.append("<section><h2>一、总体情况</h2>")
    if t is None:
        parts.append('<p class="note">统计期间没有岗亭办理记录。</p>')
    else:
        parts.append(
            '<div class="kpis">'
            + _tile(f"{t.visits:,}", "岗亭办理人次")
            + _tile(f"{t.completed:,}", "办结事项")
            + _tile(_pct(t.one_visit_rate), "一次办结率")
            + _tile(_min(t.wait_s_avg) + " 分钟", "平均等候（取号至开始）")
            + _tile(_min(t.handle_s_avg) + " 分钟", "平均办理时长")
            + _tile(_num(t.applications_per_booth_hour, 2), "每岗亭小时办件")
            + _tile(f"{t.trips_saved:,}", "减少往返服务大厅（趟）")
            + _tile(_num(t.km_saved, 0) + " km", "减少出行里程")
            + _tile(_num(t.officer_hours_saved, 0) + " 小时", "节省窗口警力")
            + "</div>"
        )
        if d.halls_total is not None:
            h = d.halls_total
            parts.append(
                f'<p class="meta">同期服务大厅：{h.visits:,} 人次，一次办结率 '
                f"{_pct(h.one_visit_rate)}，平均等候 {_min(h.wait_s_avg)} 分钟。</p>"
            )
    parts.append("</section>")

    if d.months:
        labels = [r.month or "" for r in d.months]
        svg = charts.line_chart(
            labels,
            [("办理人次", [float(r.visits) for r in d.months])],
            title="岗亭办理人次与一次办结率（按月）",
            ylabel="人次",
            right=("一次办结率", [r.one_visit_rate for r in d.months], "一次办结率"),
        )
        parts.append(
            f"<section><h2>二、月度趋势（{d.trend_from:%Y-%m} 至 {d.end:%Y-%m}）</h2>"
            + _figure(svg, "图1 按月趋势")
        )
        parts.append(
            _table(
                [
                    "月份",
                    "人次",
                    "办结",
                    "一次办结率",
                    "平均等候(分)",
                    "平均办理(分)",
                    "拒办",
                    "每岗亭小时办件",
                ],
                [
                    [
                        r.month or "",
                        f"{r.visits:,}",
                        f"{r.completed:,}",
                        _pct(r.one_visit_rate),
                        _min(r.wait_s_avg),
                        _min(r.handle_s_avg),
                        f"{r.refused:,}",
                        _num(r.applications_per_booth_hour, 2),
                    ]
                    for r in d.months
                ],
            )
            + "</section>"
        )

    ranked = sorted(d.booths, key=lambda r: (-r.completed, r.booth_code or ""))
    parts.append("<section><h2>三、岗亭排名</h2>")
    if ranked:
        top = ranked[:15]
        parts.append(
            _figure(
                charts.bar_chart(
                    [f"{r.booth_code} {r.booth_name or ''}" for r in top],
                    [float(r.completed) for r in top],
                    title="办结事项最多的岗亭",
                    xlabel="办结事项",
                ),
                "图2 岗亭办结量排名（前15）",
            )
        )
    parts.append(
        _table(
            [
                "名次",
                "岗亭",
                "所在区",
                "人次",
                "办结",
                "一次办结率",
                "平均等候(分)",
                "平均办理(分)",
                "每岗亭小时办件",
                "减少里程(km)",
            ],
            [
                [
                    str(i + 1),
                    f"{r.booth_code} {r.booth_name or ''}",
                    r.district_name or r.district_code or "",
                    f"{r.visits:,}",
                    f"{r.completed:,}",
                    _pct(r.one_visit_rate),
                    _min(r.wait_s_avg),
                    _min(r.handle_s_avg),
                    _num(r.applications_per_booth_hour, 2),
                    _num(r.km_saved, 0),
                ]
                for i, r in enumerate(ranked)
            ],
            left=3,
        )
        + "</section>"
    )

    parts.append("<section><h2>四、分区与分事项</h2><h3>各区</h3>")
    parts.append(
        _table(
            [
                "区（旗县）",
                "人次",
                "办结",
                "一次办结率",
                "平均等候(分)",
                "减少往返(趟)",
                "减少里程(km)",
                "节省警力(小时)",
            ],
            [
                [
                    r.district_name or r.district_code or "",
                    f"{r.visits:,}",
                    f"{r.completed:,}",
                    _pct(r.one_visit_rate),
                    _min(r.wait_s_avg),
                    f"{r.trips_saved:,}",
                    _num(r.km_saved, 0),
                    _num(r.officer_hours_saved, 1),
                ]
                for r in d.districts
            ],
        )
    )
    parts.append("<h3>各办理事项的办理时长</h3>")
    parts.append(
        _table(
            ["事项", "人次", "办结", "一次办结率", "平均等候(分)", "平均办理(分)"],
            [
                [
                    SERVICE_ZH.get(r.service_item or "", r.service_item or ""),
                    f"{r.visits:,}",
                    f"{r.completed:,}",
                    _pct(r.one_visit_rate),
                    _min(r.wait_s_avg),
                    _min(r.handle_s_avg),
                ]
                for r in d.items
            ],
        )
        + "</section>"
    )

    parts.append("<section><h2>五、拒办原因</h2>")
    refused_total = sum(r.refusals for r in d.refusals)
    parts.append(
        _table(
            ["拒办原因", "次数", "占拒办"],
            [
                [
                    d.refusal_zh.get(r.refusal_code, r.refusal_code),
                    f"{r.refusals:,}",
                    _pct(r.refusals / refused_total if refused_total else None),
                ]
                for r in d.refusals
            ],
        )
        + "</section>"
    )

    parts.append(f"<section><h2>六、岗亭启用前后（所在区，前后各{d.window_months}个月，月均）</h2>")
    parts.append(
        _table(
            [
                "岗亭",
                "启用日期",
                "前/后月数",
                "大厅到访 前",
                "大厅到访 后",
                "一次办结率 前",
                "一次办结率 后",
                "等候(分) 前",
                "等候(分) 后",
            ],
            [
                [
                    f"{b.booth_code} {b.booth_name}",
                    b.opened_on.isoformat(),
                    f"{b.months_before}/{b.months_after}",
                    _num(b.hall_visits_before),
                    _num(b.hall_visits_after),
                    _pct(b.one_visit_rate_before),
                    _pct(b.one_visit_rate_after),
                    _min(b.wait_s_before),
                    _min(b.wait_s_after),
                ]
                for b in d.before_after
            ],
            left=2,
        )
    )
    parts.append(
        '<p class="meta">前后对比只是描述：同期的其他变化（季节、政策、人口）也在其中。'
        "岗亭的因果效果见《改革成效评估报告》（双重差分）。</p></section>"
    )

    parts.append("<section><h2>七、好差评</h2>")
    parts.append(
        _table(
            ["岗亭", "办件", "评价数", "评价率", "好评率", "差评", "差评整改率", "按期整改率"],
            [
                [
                    f"{r.key} {r.label}",
                    f"{r.applications:,}",
                    f"{r.ratings:,}",
                    _pct(r.rating_rate),
                    _pct(r.good_rate),
                    f"{r.bad:,}",
                    _pct(r.fix_rate),
                    _pct(r.on_time_rate),
                ]
                for r in d.ratings
            ],
        )
        + '<p class="meta">好评为4-5分，差评为1-2分（GB/T 39734-2020；国办发〔2019〕51号）。</p>'
        "</section>"
    )

    a = d.assumptions
    parts.append(
        "<section><h2>八、口径与假设</h2><ul>"
        "<li>等候时长：取号至开始办理；办理时长：开始至结束；均为算术平均。</li>"
        "<li>一次办结率：事项的第一次到访中，当次即办结（无需再次到访）的比例。</li>"
        "<li>每岗亭小时办件：生成办件的到访数 ÷（有办理记录的岗亭日 × 每日开放 "
        f"{a.booth_hours_per_day:g} 小时）。</li>"
        "<li>减少往返：每一次岗亭办理计为少去服务大厅一趟。</li>"
        "<li>减少里程：从市民户籍所在区的几何中心到最近的服务大厅往返，减去到岗亭往返；"
        f"直线（球面）距离 × 道路系数 {a.road_factor:g}；岗亭更远时计为负数；"
        "无户籍区的到访不计里程。</li>"
        f"<li>节省窗口警力：每件办结事项按窗口 {a.counter_minutes_per_matter:g} 分钟、"
        f"岗亭仍需民警 {a.booth_officer_minutes_per_matter:g} 分钟计。</li>"
        "<li>以上系数为本系统的假设（可在配置中调整，GANGTING_REPORT_*），不是法规规定。</li>"
        "</ul></section>"
    )
    return _document(title, "".join(parts), font)


# --- the reform-effect report ---------------------------------------------------------------

CAVEATS = (
    "双重差分的核心假设是平行趋势：如果没有设岗亭，已设岗亭的区与对照区的结果会按相同趋势变化。"
    "实施前各期的估计（事件研究图中实施前的点）和平行趋势检验只能发现明显的违背，不能证明假设成立。",
    "无预期效应：市民和民警在岗亭启用之前没有因为预期而改变行为。若启用前已宣传、引流，实施前的估计会偏离零。",
    "无溢出效应（SUTVA）：一个区设岗亭不影响其他区的结果。邻区居民跨区到岗亭办理时，对照区也受影响，估计偏小。",
    "岗亭在各区分批启用（交错实施），本报告使用 Callaway 与 Sant'Anna（2021）的方法，"
    "只用从未实施或尚未实施的区作对照，避免传统双向固定效应在交错实施下的偏误。",
    "以区为单位，区的数量少（包头市9个区旗县），标准误和置信区间只是近似，应谨慎解读；"
    "结论应结合业务情况、抽样核查和其他证据。",
    "统计口径：结果按市民户籍所在区归集（无户籍区时按办理地）；以区内首个岗亭启用的月份为实施起点（该月只有部分天数受影响，效果可能被低估）。"
    "好评率只有岗亭启用后才有数据，没有实施前的对照，不做双重差分。"
    "罚款逾期缴纳比例目前无法可靠地归到区，本报告未纳入。",
    "违法发生至处理天数按违法发生的月份、驾驶人户籍所在区统计，只计已作出处罚决定的违法："
    "最近几个月尚未处理的违法未计入，这几个月的天数偏小，统计期间宜截至数月之前。",
)


def effect_sentence(e: Any) -> str:
    r = e.result
    o = e.outcome
    est = r.overall
    if any(math.isnan(x) for x in (est.att, est.ci_low, est.ci_high)):
        return "估计值无法计算（数据不足）。"
    level = round((1 - r.alpha) * 100)
    unit = "个百分点" if o.unit_zh == "比例" else o.unit_zh
    scale = 100.0 if o.unit_zh == "比例" else 1.0
    direction = "上升" if est.att > 0 else "下降"
    significant = est.ci_low > 0 or est.ci_high < 0
    hoped = (est.att < 0) == (o.better == "lower")
    verdict = (
        ("改善" if hoped else "变差") + f"，{level}% 置信区间不含零"
        if significant
        else f"{level}% 置信区间包含零，不能排除没有效果"
    )
    return (
        f"设岗亭后，{o.name_zh}平均{direction} {abs(est.att) * scale:.2f} {unit}"
        f"（{level}% 置信区间 {est.ci_low * scale:.2f} 至 {est.ci_high * scale:.2f}）：{verdict}。"
    )


def reform_html(
    effect: ReformEffect, *, generated_at: datetime, city_name: str, font: str = ""
) -> str:
    title = f"{city_name}交通智慧岗亭改革成效评估报告"
    names = baotou_districts()
    parts = [_cover(title, effect.start, effect.end, generated_at, city_name)]
    control = "从未设岗亭的区" if effect.control == "never" else "尚未设岗亭的区"
    parts.append(
        "<section><h2>一、评估什么、怎么评估</h2>"
        "<p>问题：在一个区设交通智慧岗亭，是否减少了市民到服务大厅的次数、提高了一次办结率、缩短了等候？"
        "各区的岗亭分批启用，先启用的区与尚未启用或从未启用的区相比，"
        "用双重差分（difference-in-differences）估计岗亭对已设岗亭区的平均效果（ATT）。"
        f"方法：Callaway 与 Sant'Anna（2021），对照组为{control}，"
        "按区 × 月的面板计算，置信区间基于影响函数的解析标准误。</p>"
        f'<p class="meta">数据：{effect.months[0]} 至 {effect.months[-1]} '
        f"共 {len(effect.months)} 个月，"
        f"{len(effect.rollout)} 个区（旗县）的岗亭与服务大厅办理记录。</p></section>"
    )
    parts.append("<section><h2>二、岗亭启用时间（实施时间表）</h2>")
    parts.append(
        _table(
            ["区（旗县）", "首个岗亭启用", "实施起始月"],
            [
                [
                    r.district_name,
                    r.first_opened_on.isoformat() if r.first_opened_on else "未设岗亭",
                    r.first_treated_label,
                ]
                for r in effect.rollout
            ],
        )
        + "</section>"
    )
    parts.append("<section><h2>三、估计结果</h2>")
    summary_rows = []
    for e in effect.effects:
        if e.result is None:
            summary_rows.append([e.outcome.name_zh, "—", "—", "—", "—", "—"])
            continue
        r = e.result
        p = r.pretrend.p_value
        summary_rows.append(
            [
                f"{e.outcome.name_zh}（{e.outcome.unit_zh}）",
                _num(r.overall.att, 4),
                f"[{_num(r.overall.ci_low, 4)}, {_num(r.overall.ci_high, 4)}]",
                _num(r.simple.att, 4),
                "—" if math.isnan(p) else f"{p:.3f}",
                str(r.n_units),
            ]
        )
    parts.append(
        _table(
            [
                "结果",
                "ATT（按组汇总）",
                f"{round((1 - 0.05) * 100)}% 置信区间",
                "ATT（简单加权）",
                "平行趋势检验 p",
                "区数",
            ],
            summary_rows,
        )
    )
    for i, e in enumerate(effect.effects, start=1):
        parts.append(f"<h3>3.{i} {escape(e.outcome.name_zh)}（{escape(e.outcome.unit_zh)}）</h3>")
        if e.result is None:
            parts.append(f'<p class="note">无法估计：{escape(e.error or "")}</p>')
            continue
        parts.append(f"<p>{escape(effect_sentence(e))}</p>")
        pre, post = e.means.get("treated", (None, None))
        pt = e.result.pretrend
        p_text = (
            f"无法计算（{e.result.n_units} 个区不足以联合检验实施前 {pt.df} 个格子；"
            "请看事件研究图中实施前各期的置信区间）"
            if math.isnan(pt.p_value)
            else f"{pt.p_value:.3f}"
        )
        parts.append(
            f'<p class="meta">已设岗亭的区：实施前月均 {_num(pre, 3)}，'
            f"实施后月均 {_num(post, 3)}（描述性，未扣除共同趋势）。"
            f"平行趋势检验：χ²({pt.df}) = {_num(pt.statistic, 2)}，p = {p_text}"
            + (
                "（p 较小，实施前已有差异，结果须谨慎）"
                if not math.isnan(pt.p_value) and pt.p_value < 0.05
                else ""
            )
            + "。</p>"
        )
        if e.left_out:
            left = "、".join(names[c].name if c in names else c for c in e.left_out)
            parts.append(f'<p class="meta">因部分月份无数据未纳入：{escape(left)}。</p>')
        if e.svg:
            parts.append(
                _figure(e.svg, f"图{i} {e.outcome.name_zh}的事件研究：相对岗亭启用月的逐月效果")
            )
    parts.append("</section>")
    parts.append(
        '<section><h2>四、注意事项（请在引用结论前阅读）</h2><ul class="caveats">'
        + "".join(f"<li>{escape(c)}</li>" for c in CAVEATS)
        + "</ul></section>"
    )
    return _document(title, "".join(parts), font)
