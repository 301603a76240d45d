"""Difference-in-differences for staggered adoption (Callaway & Sant'Anna 2021).

The reform opens booths district by district, so units (districts, booths) start treatment
at different periods. A two-way fixed-effects regression mixes early and late adopters and
can even flip the sign; Callaway & Sant'Anna estimate one 2x2 comparison per cohort and
period, ATT(g,t), and then average those with the cohorts' sizes as weights.

What is implemented (decision 0020): the unconditional estimator (no covariates) on a
balanced panel, never-treated or not-yet-treated controls, a varying or universal base
period, no anticipation, analytic influence-function standard errors and pointwise normal
confidence intervals. With no covariates the R package's doubly robust, IPW and regression
estimators all reduce to this difference of mean changes, so the numbers match
``did::att_gt(..., xformla = ~1, bstrap = FALSE)`` and ``did::aggte(..., bstrap = FALSE)``.

Source: Callaway, B. and Sant'Anna, P. H. C. (2021), "Difference-in-Differences with
multiple time periods", Journal of Econometrics 225(2), 200-230; the aggregation and its
influence functions follow the R package ``did`` (``compute.aggte``), re-derived here.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from gangting.kernel.errors import Invalid

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

COLUMNS = ("unit", "period", "first_treated", "outcome")
Control = Literal["never", "notyet"]
BasePeriod = Literal["varying", "universal"]
CONTROL_NAMES = {"never": "从未实施 never", "notyet": "尚未实施 not yet"}

# Font families to try, CJK first (./dev installs fonts-noto-cjk); by name only, so a machine
# without them still draws (the Chinese glyphs then come out as boxes).
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "DejaVu Sans")


class PanelError(Invalid, ValueError):
    """The panel cannot be analysed as given; ``message`` says why in zh-CN."""

    code = "analysis.did.bad_panel"


@dataclass(frozen=True)
class Estimate:
    att: float
    se: float
    ci_low: float
    ci_high: float

    def to_dict(self) -> dict[str, float | None]:
        return {
            "att": _finite(self.att),
            "se": _finite(self.se),
            "ci_low": _finite(self.ci_low),
            "ci_high": _finite(self.ci_high),
        }


@dataclass(frozen=True)
class GroupTime:
    group: int
    period: int
    estimate: Estimate


@dataclass(frozen=True)
class EventTime:
    event_time: int
    estimate: Estimate


@dataclass(frozen=True)
class PreTrend:
    """Wald test that every pre-period ATT(g,t) is 0 (chi-squared with ``df`` degrees).

    ``statistic`` and ``p_value`` are NaN when there is no pre-period cell or when their
    covariance matrix is singular (the R package reports nothing then either)."""

    statistic: float
    df: int
    p_value: float


@dataclass(frozen=True)
class DidResult:
    att_gt: tuple[GroupTime, ...]
    overall: Estimate
    simple: Estimate
    event_study: tuple[EventTime, ...]
    pretrend: PreTrend
    n_units: int
    n_periods: int
    control: str
    alpha: float
    base_period: str = "varying"
    # units treated in or before the first period: no before-picture, left out (as R does)
    always_treated_dropped: int = 0
    groups: tuple[int, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: plain numbers, NaN as null."""
        return {
            "method": "callaway_santanna",
            "control": self.control,
            "base_period": self.base_period,
            "alpha": self.alpha,
            "n_units": self.n_units,
            "n_periods": self.n_periods,
            "groups": list(self.groups),
            "always_treated_dropped": self.always_treated_dropped,
            "overall": self.overall.to_dict(),
            "simple": self.simple.to_dict(),
            "pretrend": {
                "statistic": _finite(self.pretrend.statistic),
                "df": self.pretrend.df,
                "p_value": _finite(self.pretrend.p_value),
            },
            "att_gt": [
                {
                    "group": cell.group,
                    "period": cell.period,
                    "event_time": cell.period - cell.group,
                    **cell.estimate.to_dict(),
                }
                for cell in self.att_gt
            ],
            "event_study": [
                {"event_time": row.event_time, **row.estimate.to_dict()} for row in self.event_study
            ],
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


# ---------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True)
class _Panel:
    periods: IntArray  # sorted, length T
    groups: IntArray  # first treated period per unit, 0 = not treated within the window
    y: FloatArray  # n x T outcomes
    always_treated_dropped: int


def _bad(code: str, message: str, **data: Any) -> PanelError:
    return PanelError(message, code=f"analysis.did.{code}", data=data)


def _integers(frame: pd.DataFrame, column: str) -> IntArray:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna()
    if bool(bad.any()):
        row = int(np.flatnonzero(bad.to_numpy())[0])
        hint = "（时期用整数，如年份，或 年*12+月-1）" if column == "period" else ""
        raise _bad(
            "not_numeric",
            f"列 {column} 第 {row + 1} 行不是数字或为空：{frame[column].iloc[row]!r}{hint}",
            column=column,
            row=row + 1,
        )
    floats = values.to_numpy(dtype=np.float64)
    whole = np.isfinite(floats) & (floats == np.round(floats))
    if not bool(whole.all()):
        row = int(np.flatnonzero(~whole)[0])
        raise _bad(
            "not_integer",
            f"列 {column} 第 {row + 1} 行应为整数：{frame[column].iloc[row]!r}",
            column=column,
            row=row + 1,
        )
    return floats.astype(np.int64)


def _prepare(panel: pd.DataFrame, control: Control) -> _Panel:
    missing = [name for name in COLUMNS if name not in panel.columns]
    if missing:
        raise _bad(
            "missing_columns",
            f"面板缺少列：{', '.join(missing)}（需要 unit, period, first_treated, outcome）",
            missing=missing,
        )
    if len(panel) == 0:
        raise _bad("empty", "面板没有数据行", rows=0)
    if bool(panel["unit"].isna().any()):
        row = int(np.flatnonzero(panel["unit"].isna().to_numpy())[0])
        raise _bad("not_numeric", f"列 unit 第 {row + 1} 行为空", column="unit", row=row + 1)
    period = _integers(panel, "period")
    first = _integers(panel, "first_treated")
    outcome_values = pd.to_numeric(panel["outcome"], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(outcome_values)
    if bool(bad.any()):
        row = int(np.flatnonzero(bad)[0])
        raise _bad(
            "not_numeric",
            f"列 outcome 第 {row + 1} 行不是数字或为空：{panel['outcome'].iloc[row]!r}",
            column="outcome",
            row=row + 1,
        )
    if bool((first < 0).any()):
        row = int(np.flatnonzero(first < 0)[0])
        raise _bad(
            "not_integer",
            f"列 first_treated 第 {row + 1} 行为负数（0 表示从未实施）",
            column="first_treated",
            row=row + 1,
        )
    frame = pd.DataFrame(
        {
            "unit": panel["unit"].astype(str).to_numpy(),
            "period": period,
            "first_treated": first,
            "outcome": outcome_values,
        }
    )
    duplicated = frame.duplicated(subset=["unit", "period"])
    if bool(duplicated.any()):
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise _bad(
            "unbalanced",
            f"面板不平衡：单位 {frame['unit'].iloc[row]} 在第 {int(period[row])} 期有重复行",
            unit=str(frame["unit"].iloc[row]),
            period=int(period[row]),
        )
    varying = frame.groupby("unit", sort=True)["first_treated"].nunique()
    if bool((varying > 1).any()):
        unit = str(varying[varying > 1].index[0])
        raise _bad(
            "inconsistent_group",
            f"单位 {unit} 的 first_treated 前后不一致（每个单位只能有一个首次实施期）",
            unit=unit,
        )
    periods = np.unique(period)
    units = np.unique(frame["unit"].to_numpy(dtype=str))
    if len(periods) < 2:
        raise _bad("too_few_periods", "至少需要两个时期才能做双重差分", periods=len(periods))
    if len(frame) != len(units) * len(periods):
        counts = frame.groupby("unit", sort=True)["period"].count()
        short = counts[counts < len(periods)]
        unit = str(short.index[0])
        raise _bad(
            "unbalanced",
            f"面板不平衡：单位 {unit} 只有 {int(short.iloc[0])} 期数据，应为 {len(periods)} 期"
            "（每个单位每期一行）",
            unit=unit,
            periods=int(short.iloc[0]),
            expected=len(periods),
        )
    wide = frame.pivot(index="unit", columns="period", values="outcome").sort_index(axis=1)
    y = wide.to_numpy(dtype=np.float64)
    groups_by_unit = frame.groupby("unit", sort=True)["first_treated"].first()
    groups = groups_by_unit.reindex(wide.index).to_numpy(dtype=np.int64)

    # Treated in or before the first period: no untreated picture to compare with.
    always = (groups > 0) & (groups <= periods[0])
    y, groups = y[~always], groups[~always]
    dropped = int(always.sum())
    if control == "notyet" and not bool((groups == 0).any()) and len(groups):
        # No never-treated units: the last cohort is the control until it is treated,
        # and the periods from then on are left out (as the R package does).
        last = int(groups.max())
        keep = periods < last
        periods, y = periods[keep], y[:, keep]
        if len(periods) < 2:
            raise _bad(
                "too_few_periods", "最后一批实施前不足两个时期，无法比较", periods=len(periods)
            )
    # Treated after the window ends: untreated for every period we see.
    groups = np.where(groups > periods[-1], 0, groups)
    if not bool((groups > 0).any()):
        raise _bad("no_treated", "没有处理组：没有任何单位在观察期内开始实施（first_treated）")
    if not bool((groups == 0).any()):
        if control == "never":
            raise _bad(
                "no_control",
                "没有对照组：没有从未实施的单位（first_treated = 0）；可改用 --control notyet",
            )
        raise _bad("no_control", "没有对照组：每个时期都没有尚未实施的单位")
    return _Panel(periods=periods, groups=groups, y=y, always_treated_dropped=dropped)


# ---------------------------------------------------------------------------------------
# Estimation


@dataclass(frozen=True)
class _Cell:
    group: int
    period: int
    base: int
    att: float
    reference: bool  # the universal base period itself: 0 by construction


def _cells(
    data: _Panel, control: Control, base_period: BasePeriod
) -> tuple[list[_Cell], FloatArray]:
    """Every ATT(g,t) and its influence function (n x K, the R package's scaling)."""
    periods, groups, y = data.periods, data.groups, data.y
    n = len(groups)
    cells: list[_Cell] = []
    columns: list[FloatArray] = []
    for g in (int(v) for v in np.unique(groups[groups > 0])):
        before = np.flatnonzero(periods < g)
        last_before = int(before[-1])  # exists: g > first period
        if base_period == "varying":
            pairs = [(t, last_before if periods[t] >= g else t - 1) for t in range(1, len(periods))]
        else:
            pairs = [(t, last_before) for t in range(len(periods))]
        treated = groups == g
        for t, b in pairs:
            period, base = int(periods[t]), int(periods[b])
            if t == b:
                cells.append(_Cell(g, period, base, 0.0, reference=True))
                columns.append(np.zeros(n))
                continue
            later = max(period, base)
            if control == "never":
                controls = groups == 0
            else:
                controls = (groups == 0) | ((groups > later) & (groups != g))
            n_treated, n_control = int(treated.sum()), int(controls.sum())
            if n_control == 0:
                continue
            change = y[:, t] - y[:, b]
            mean_treated = float(change[treated].mean())
            mean_control = float(change[controls].mean())
            influence = np.zeros(n)
            influence[treated] = n * (change[treated] - mean_treated) / n_treated
            influence[controls] = -n * (change[controls] - mean_control) / n_control
            cells.append(_Cell(g, period, base, mean_treated - mean_control, reference=False))
            columns.append(influence)
    if not any(not cell.reference for cell in cells):
        raise _bad("no_control", "没有对照组：没有任何一组可比较的处理组和对照组")
    return cells, np.column_stack(columns)


def _se(influence: FloatArray) -> float:
    n = influence.shape[0]
    return float(math.sqrt(float(np.sum(influence**2))) / n)


def _estimate(att: float, se: float, z: float) -> Estimate:
    return Estimate(att=att, se=se, ci_low=att - z * se, ci_high=att + z * se)


def _weighted(
    att: FloatArray,
    influence: FloatArray,
    keep: IntArray,
    pg: FloatArray,
    unit_groups: IntArray,
    cell_groups: IntArray,
) -> tuple[float, FloatArray]:
    """Average of ``att[keep]`` weighted by cohort share, and its influence function,
    including the effect of estimating the shares (R: ``wif``)."""
    weights = pg[keep] / pg[keep].sum()
    estimate = float(weights @ att[keep])
    total = float(pg[keep].sum())
    member = (unit_groups[:, None] == cell_groups[keep][None, :]).astype(np.float64)
    centred = member - pg[keep][None, :]
    share_effect = centred / total - np.outer(centred.sum(axis=1), pg[keep] / total**2)
    return estimate, influence[:, keep] @ weights + share_effect @ att[keep]


def _pretrend(att: FloatArray, influence: FloatArray, pre: IntArray) -> PreTrend:
    n = influence.shape[0]
    if len(pre) == 0:
        return PreTrend(statistic=math.nan, df=0, p_value=math.nan)
    cov = influence[:, pre].T @ influence[:, pre] / n
    if np.linalg.cond(cov) * np.finfo(np.float64).eps >= 1.0:
        return PreTrend(statistic=math.nan, df=len(pre), p_value=math.nan)
    statistic = float(n * att[pre] @ np.linalg.solve(cov, att[pre]))
    return PreTrend(statistic=statistic, df=len(pre), p_value=chi2_sf(statistic, len(pre)))


def chi2_sf(x: float, df: int) -> float:
    """P(X > x) for X chi-squared with integer ``df`` degrees of freedom (closed form)."""
    if df < 1:
        raise ValueError("df must be a positive integer")
    if x <= 0:
        return 1.0
    half = x / 2.0
    if df % 2 == 0:
        # Poisson(x/2) probability of fewer than df/2 events
        terms = [-half + i * math.log(half) - math.lgamma(i + 1) for i in range(df // 2)]
        return min(1.0, sum(math.exp(term) for term in terms))
    tail = math.erfc(math.sqrt(half))
    # sqrt(2/pi) e^(-x/2) sum_{i=1}^{(df-1)/2} x^(i-1/2) / (2i-1)!!
    terms = [
        0.5 * math.log(2.0 / math.pi)
        - half
        + (i - 0.5) * math.log(x)
        - (math.lgamma(2 * i + 1) - i * math.log(2.0) - math.lgamma(i + 1))
        for i in range(1, (df - 1) // 2 + 1)
    ]
    return min(1.0, tail + sum(math.exp(term) for term in terms))


def callaway_santanna(
    panel: pd.DataFrame,
    *,
    control: Control = "never",
    alpha: float = 0.05,
    base_period: BasePeriod = "varying",
) -> DidResult:
    """ATT(g,t) for every cohort g and period t, their cohort-weighted aggregations and
    the event study (dynamic aggregation), with analytic standard errors.

    ``panel`` has one row per unit and period: ``unit``, ``period`` (integer, e.g. a year
    or year*12+month-1), ``first_treated`` (the first treated period, 0 = never) and
    ``outcome``. Raises :class:`PanelError` (a ``ValueError``) with a zh-CN message when
    the panel is unbalanced, not numeric, or has no treated or no control units."""
    if control not in ("never", "notyet"):
        raise _bad("bad_option", f"对照组只能是 never 或 notyet，不是 {control!r}")
    if base_period not in ("varying", "universal"):
        raise _bad("bad_option", f"基期只能是 varying 或 universal，不是 {base_period!r}")
    if not (0.0 < alpha < 1.0):
        raise _bad("bad_option", f"显著性水平 alpha 应在 0 和 1 之间，不是 {alpha}")
    data = _prepare(panel, control)
    cells, influence = _cells(data, control, base_period)
    z = NormalDist().inv_cdf(1.0 - alpha / 2.0)
    n = len(data.groups)

    att = np.array([cell.att for cell in cells], dtype=np.float64)
    cell_groups = np.array([cell.group for cell in cells], dtype=np.int64)
    cell_periods = np.array([cell.period for cell in cells], dtype=np.int64)
    cohorts = np.unique(data.groups[data.groups > 0])
    share = {int(g): float(np.mean(data.groups == g)) for g in cohorts}
    pg = np.array([share[int(g)] for g in cell_groups], dtype=np.float64)

    att_gt = tuple(
        GroupTime(cell.group, cell.period, _estimate(cell.att, _se(influence[:, k]), z))
        for k, cell in enumerate(cells)
    )

    post = np.flatnonzero(cell_periods >= cell_groups)
    simple_att, simple_inf = _weighted(att, influence, post, pg, data.groups, cell_groups)

    # Group aggregation: each cohort's mean post-period ATT, then weighted by cohort share.
    with_post = [int(g) for g in cohorts if bool(np.any(cell_groups[post] == g))]
    group_att = np.zeros(len(with_post))
    group_inf = np.zeros((n, len(with_post)))
    for j, g in enumerate(with_post):
        mine = post[cell_groups[post] == g]
        group_att[j] = float(att[mine].mean())
        group_inf[:, j] = influence[:, mine].mean(axis=1)
    group_pg = np.array([share[g] for g in with_post], dtype=np.float64)
    overall_att, overall_inf = _weighted(
        group_att,
        group_inf,
        np.arange(len(with_post), dtype=np.int64),
        group_pg,
        data.groups,
        np.array(with_post, dtype=np.int64),
    )

    event_times = cell_periods - cell_groups
    event_study = []
    for e in (int(v) for v in np.unique(event_times)):
        these = np.flatnonzero(event_times == e)
        e_att, e_inf = _weighted(att, influence, these, pg, data.groups, cell_groups)
        event_study.append(EventTime(e, _estimate(e_att, _se(e_inf), z)))

    references = np.array([cell.reference for cell in cells], dtype=np.bool_)
    se_all = np.array([row.estimate.se for row in att_gt], dtype=np.float64)
    pre = np.flatnonzero((cell_periods < cell_groups) & ~references & (se_all > 0))

    return DidResult(
        att_gt=att_gt,
        overall=_estimate(overall_att, _se(overall_inf), z),
        simple=_estimate(simple_att, _se(simple_inf), z),
        event_study=tuple(event_study),
        pretrend=_pretrend(att, influence, pre),
        n_units=n,
        n_periods=len(data.periods),
        control=control,
        alpha=alpha,
        base_period=base_period,
        always_treated_dropped=data.always_treated_dropped,
        groups=tuple(int(g) for g in cohorts),
    )


# ---------------------------------------------------------------------------------------
# Plot


def event_study_svg(result: DidResult, *, title: str) -> str:
    """The event study as an SVG: estimates with their confidence intervals, pre-periods
    and post-periods in two colours, the pre-trend test and the group-aggregated ATT in
    the footer. Text is drawn as paths (the SVG needs no font); nothing is fetched."""
    import matplotlib
    from matplotlib.figure import Figure

    level = round((1.0 - result.alpha) * 100)
    with matplotlib.rc_context(
        {
            "font.family": "sans-serif",
            "font.sans-serif": list(CJK_FONTS),
            "axes.unicode_minus": False,
            "svg.fonttype": "path",
            "svg.hashsalt": "gangting-did",
        }
    ):
        figure = Figure(figsize=(8.0, 4.8))
        axes = figure.add_subplot()
        for pre, colour, label in (
            (True, "#b45309", "实施前 pre-period"),
            (False, "#1d4ed8", "实施后 post-period"),
        ):
            rows = [row for row in result.event_study if (row.event_time < 0) == pre]
            if not rows:
                continue
            x = [row.event_time for row in rows]
            mid = [row.estimate.att for row in rows]
            low = [row.estimate.att - row.estimate.ci_low for row in rows]
            high = [row.estimate.ci_high - row.estimate.att for row in rows]
            axes.errorbar(x, mid, yerr=[low, high], fmt="o", color=colour, capsize=4, label=label)
        axes.axhline(0.0, color="#6b7280", linewidth=0.8)
        axes.axvline(-0.5, color="#6b7280", linewidth=0.8, linestyle="--")
        axes.set_xlabel("相对实施期 event time (t − g)")
        axes.set_ylabel(f"ATT（{level}% 置信区间 CI）")
        axes.set_title(title)
        axes.legend(loc="best", fontsize=9)
        overall = result.overall
        pretrend = result.pretrend
        p_text = "—" if math.isnan(pretrend.p_value) else f"{pretrend.p_value:.3f}"
        figure.text(
            0.01,
            0.01,
            f"总体 ATT {overall.att:.4f}（SE {overall.se:.4f}，"
            f"[{overall.ci_low:.4f}, {overall.ci_high:.4f}]）；"
            f"平行趋势检验 pre-trend χ²({pretrend.df}) p = {p_text}；"
            f"对照组 {CONTROL_NAMES.get(result.control, result.control)}；"
            f"单位 {result.n_units}",
            fontsize=8,
            color="#374151",
        )
        figure.tight_layout(rect=(0.0, 0.04, 1.0, 1.0))
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def read_panel_csv(path: Path) -> pd.DataFrame:
    """A panel CSV as a frame (units kept as text); a zh-CN :class:`PanelError` when the
    file cannot be read."""
    try:
        return pd.read_csv(path, dtype={"unit": str}, encoding="utf-8-sig")
    except FileNotFoundError:
        raise _bad("unreadable", f"找不到面板文件：{path}", path=str(path)) from None
    except IsADirectoryError:
        raise _bad("unreadable", f"面板路径是目录，不是文件：{path}", path=str(path)) from None
    except pd.errors.EmptyDataError:
        raise _bad("empty", f"面板文件是空的：{path}", path=str(path)) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise _bad(
            "unreadable", f"面板文件不是可读的 UTF-8 CSV：{path}（{exc}）", path=str(path)
        ) from None
