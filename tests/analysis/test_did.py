"""The Callaway-Sant'Anna estimator against the published mpdta example, hand-computed
2x2 cases, invariances, and its refusals."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gangting.analysis.did import (
    DidResult,
    PanelError,
    callaway_santanna,
    chi2_sf,
    event_study_svg,
)

MPDTA = Path(__file__).resolve().parents[1] / "data" / "mpdta.csv"

# R package `did` (Callaway & Sant'Anna), att_gt(yname="lemp", tname="year",
# idname="countyreal", gname="first.treat", xformla=~1, bstrap=FALSE, cband=FALSE) and
# aggte(..., bstrap=FALSE): the analytic standard errors. Published as the R reference
# values of the csdid port (csdid/test_csdid/r_ref/ref_attgt.csv, ref_aggte.csv,
# ref_pretest.csv, scenarios mpdta_nev_dr / mpdta_nyt_dr; with no covariates the doubly
# robust estimator is the unconditional one).
R_ATT_GT = {
    "never": {
        (2004, 2004): (-0.0105032462209624, 0.0232510363681664),
        (2004, 2005): (-0.0704231581031467, 0.0309847667572767),
        (2004, 2006): (-0.137258738889403, 0.0364356642876865),
        (2004, 2007): (-0.100811363085404, 0.0343592258346732),
        (2006, 2004): (0.00652011242423301, 0.0233268051418047),
        (2006, 2005): (-0.00275081875051882, 0.0195585610358817),
        (2006, 2006): (-0.00459460695286304, 0.0177551966592763),
        (2006, 2007): (-0.0412244715462175, 0.0202291807041068),
        (2007, 2004): (0.0305066555832928, 0.01503356028013),
        (2007, 2005): (-0.00272589288611625, 0.0163958328955344),
        (2007, 2006): (-0.0310871193896889, 0.0178775113133435),
        (2007, 2007): (-0.0260544107191966, 0.0166554353492522),
    },
    "notyet": {
        (2004, 2004): (-0.0193723636759221, 0.0223101128836806),
        (2004, 2005): (-0.0783190990620607, 0.0303902285433973),
        (2004, 2006): (-0.136274346328678, 0.03540338496891),
        (2004, 2007): (-0.100811363085404, 0.0343592258346732),
        (2006, 2004): (-0.00256255094261098, 0.0225302351453388),
        (2006, 2005): (-0.00193924609578875, 0.019042158605819),
        (2006, 2006): (0.00466087631997615, 0.0163355842468236),
        (2006, 2007): (-0.0412244715462175, 0.0202291807041068),
        (2007, 2004): (0.0297593647610311, 0.0145335416386514),
        (2007, 2005): (-0.0024106128000969, 0.0160312963755178),
        (2007, 2006): (-0.0310871193896889, 0.0178775113133435),
        (2007, 2007): (-0.0260544107191966, 0.0166554353492522),
    },
}
R_GROUP = {  # aggte(type="group"): overall ATT, SE
    "never": (-0.0310182822287484, 0.0124460593209979),
    "notyet": (-0.030462228112565, 0.0125751201316818),
}
R_SIMPLE = {
    "never": (-0.0399512751551763, 0.0120340127701854),
    "notyet": (-0.0397636256230437, 0.0120524247873419),
}
R_DYNAMIC = {  # aggte(type="dynamic"): event time -> ATT, SE
    "never": {
        -3: (0.0305066555832928, 0.01503356028013),
        -2: (-0.000563084626385429, 0.01329164473655),
        -1: (-0.0244587449711696, 0.0142364022105193),
        0: (-0.0199318167892593, 0.0118263640580582),
        1: (-0.0509573670651939, 0.016893476268678),
        2: (-0.137258738889403, 0.0364356642876865),
        3: (-0.100811363085404, 0.0343592258346733),
    },
    "notyet": {
        -3: (0.0297593647610311, 0.0145335416386514),
        -2: (-0.00244615388606511, 0.0131203504342708),
        -1: (-0.0242689034145076, 0.0144636816758019),
        0: (-0.0189221990834249, 0.0120445686892691),
        1: (-0.0535893473848319, 0.016946385539125),
        2: (-0.136274346328678, 0.03540338496891),
        3: (-0.100811363085404, 0.0343592258346733),
    },
}
R_PRETEST = {"never": (7.79123662720035, 0.16812), "notyet": (7.79092771882739, 0.16814)}


def mpdta() -> pd.DataFrame:
    raw = pd.read_csv(MPDTA)
    return pd.DataFrame(
        {
            "unit": raw["countyreal"],
            "period": raw["year"],
            "first_treated": raw["first.treat"],
            "outcome": raw["lemp"],
        }
    )


def close(value: float, expected: float, rel: float = 1e-9) -> bool:
    return math.isclose(value, expected, rel_tol=rel, abs_tol=1e-12)


@pytest.mark.parametrize("control", ["never", "notyet"])
def test_mpdta_matches_the_r_package(control: str) -> None:
    result = callaway_santanna(mpdta(), control=control)  # type: ignore[arg-type]
    assert result.n_units == 500 and result.n_periods == 5 and result.groups == (2004, 2006, 2007)
    cells = {(c.group, c.period): c.estimate for c in result.att_gt}
    assert set(cells) == set(R_ATT_GT[control])
    for key, (att, se) in R_ATT_GT[control].items():
        assert close(cells[key].att, att) and close(cells[key].se, se), key
    att, se = R_GROUP[control]
    assert close(result.overall.att, att) and close(result.overall.se, se)
    att, se = R_SIMPLE[control]
    assert close(result.simple.att, att) and close(result.simple.se, se)
    dynamic = {row.event_time: row.estimate for row in result.event_study}
    assert list(dynamic) == sorted(R_DYNAMIC[control])
    for e, (att, se) in R_DYNAMIC[control].items():
        assert close(dynamic[e].att, att) and close(dynamic[e].se, se), e
    statistic, p_value = R_PRETEST[control]
    assert close(result.pretrend.statistic, statistic) and result.pretrend.df == 5
    assert round(result.pretrend.p_value, 5) == p_value


def test_mpdta_the_published_headline_numbers() -> None:
    """The package's README / paper example: group-aggregated ATT -0.031 (SE about 0.012,
    95% CI excludes 0), simple ATT about -0.04."""
    result = callaway_santanna(mpdta())
    assert round(result.overall.att, 3) == -0.031
    assert round(result.overall.se, 3) == 0.012
    assert result.overall.ci_high < 0
    assert round(result.simple.att, 2) == -0.04
    z = stats.norm.ppf(0.975)
    assert close(result.overall.ci_low, result.overall.att - z * result.overall.se)
    narrow = callaway_santanna(mpdta(), alpha=0.32)
    assert narrow.overall.ci_high - narrow.overall.ci_low < (
        result.overall.ci_high - result.overall.ci_low
    )


def two_by_two(rng: np.random.Generator, n_treated: int, n_control: int) -> pd.DataFrame:
    rows = []
    for i in range(n_treated + n_control):
        treated = i < n_treated
        for period in (1, 2):
            rows.append(
                {
                    "unit": f"u{i}",
                    "period": period,
                    "first_treated": 2 if treated else 0,
                    "outcome": float(
                        rng.normal(10 + i, 1) + (3.0 if treated and period == 2 else 0)
                    ),
                }
            )
    return pd.DataFrame(rows)


def test_two_groups_two_periods_is_the_plain_difference_of_means() -> None:
    panel = two_by_two(np.random.default_rng(7), 6, 9)
    wide = panel.pivot(index="unit", columns="period", values="outcome")
    change = wide[2] - wide[1]
    treated = panel.groupby("unit")["first_treated"].first() == 2
    did = change[treated].mean() - change[~treated].mean()
    # textbook two-sample SE of the mean changes (population variances, as the
    # influence function gives)
    se = math.sqrt(change[treated].var(ddof=0) / 6 + change[~treated].var(ddof=0) / 9)
    result = callaway_santanna(panel)
    assert [(c.group, c.period) for c in result.att_gt] == [(2, 2)]
    for estimate in (result.att_gt[0].estimate, result.overall, result.simple):
        assert close(estimate.att, did) and close(estimate.se, se)
    assert [e.event_time for e in result.event_study] == [0]
    assert close(result.event_study[0].estimate.att, did)
    assert result.pretrend.df == 0 and math.isnan(result.pretrend.p_value)
    # the same as the interaction coefficient of the 2x2 regression
    data = panel.assign(
        post=(panel["period"] == 2).astype(float),
        treat=(panel["first_treated"] == 2).astype(float),
    )
    design = np.column_stack(
        [np.ones(len(data)), data["post"], data["treat"], data["post"] * data["treat"]]
    )
    coef = np.linalg.lstsq(design, data["outcome"].to_numpy(), rcond=None)[0]
    assert close(result.overall.att, float(coef[3]), rel=1e-9)


def test_a_tiny_panel_by_hand() -> None:
    """One treated and one control unit, three periods: every number by hand."""
    panel = pd.DataFrame(
        {
            "unit": ["a"] * 3 + ["b"] * 3,
            "period": [1, 2, 3] * 2,
            "first_treated": [3] * 3 + [0] * 3,
            "outcome": [1.0, 2.0, 7.0, 1.0, 1.5, 2.0],
        }
    )
    result = callaway_santanna(panel)
    cells = {(c.group, c.period): c.estimate.att for c in result.att_gt}
    # pre: (2-1) - (1.5-1) = 0.5; post, base period 2: (7-2) - (2-1.5) = 4.5
    assert cells == {(3, 2): 0.5, (3, 3): 4.5}
    assert result.overall.att == 4.5 and result.overall.se == 0.0
    universal = callaway_santanna(panel, base_period="universal")
    cells = {(c.group, c.period): c.estimate.att for c in universal.att_gt}
    # universal base 2: t=1 gives (1-2) - (1-1.5) = -0.5; t=2 is the reference
    assert cells == {(3, 1): -0.5, (3, 2): 0.0, (3, 3): 4.5}


def test_universal_base_period_telescopes_the_varying_one() -> None:
    varying = callaway_santanna(mpdta())
    universal = callaway_santanna(mpdta(), base_period="universal")
    v = {(c.group, c.period): c.estimate.att for c in varying.att_gt}
    u = {(c.group, c.period): c.estimate for c in universal.att_gt}
    for (g, t), att in v.items():
        if t >= g:
            assert close(u[(g, t)].att, att)
    # universal pre-period = minus the sum of the one-step changes up to g-1
    for g in (2006, 2007):
        assert u[(g, g - 1)].att == 0.0 and u[(g, g - 1)].se == 0.0
        for t in range(2003, g - 1):
            expected = -sum(v[(g, s)] for s in range(t + 1, g))
            assert close(u[(g, t)].att, expected, rel=1e-9)
    assert close(universal.overall.att, varying.overall.att)
    assert close(universal.overall.se, varying.overall.se)
    assert {e.event_time for e in universal.event_study} == set(range(-4, 4))


def test_invariant_to_row_order_labels_unit_and_period_effects() -> None:
    base = callaway_santanna(mpdta())
    panel = mpdta().sample(frac=1.0, random_state=3)
    rng = np.random.default_rng(5)
    unit_effect = {u: rng.normal() for u in panel["unit"].unique()}
    panel["outcome"] = (
        panel["outcome"]
        + panel["unit"].map(unit_effect)
        + 0.3 * (panel["period"] - 2003) ** 2  # a common shock every year
    )
    panel["unit"] = "county-" + panel["unit"].astype(str)
    shifted = callaway_santanna(panel)
    assert close(shifted.overall.att, base.overall.att, rel=1e-8)
    assert close(shifted.overall.se, base.overall.se, rel=1e-8)
    for a, b in zip(shifted.event_study, base.event_study, strict=True):
        assert a.event_time == b.event_time and close(a.estimate.att, b.estimate.att, rel=1e-7)


def test_units_treated_before_or_after_the_window() -> None:
    panel = mpdta()
    before = panel[panel["unit"] == panel["unit"].iloc[0]].assign(unit=1, first_treated=2003)
    after = panel[panel["unit"] == panel["unit"].iloc[0]].assign(unit=2, first_treated=2009)
    result = callaway_santanna(pd.concat([panel, before, after]))
    assert result.always_treated_dropped == 1
    assert result.n_units == 501  # the late one counts as not treated within the window
    assert result.groups == (2004, 2006, 2007)


def test_notyet_without_never_treated_uses_the_last_cohort() -> None:
    panel = mpdta()
    panel = panel[panel["first_treated"] > 0]
    result = callaway_santanna(panel, control="notyet")
    assert result.n_periods == 4  # 2007 and later dropped: the 2007 cohort is the control
    assert result.groups == (2004, 2006)
    cells = {(c.group, c.period): c.estimate.att for c in result.att_gt}
    wide = panel.pivot(index="unit", columns="period", values="outcome")
    group = panel.groupby("unit")["first_treated"].first()
    change = wide[2004] - wide[2003]
    by_hand = change[group == 2004].mean() - change[group != 2004].mean()
    assert close(cells[(2004, 2004)], by_hand)
    with pytest.raises(PanelError) as never:
        callaway_santanna(panel, control="never")
    assert never.value.code == "analysis.did.no_control"


def test_chi2_survival_function() -> None:
    for df in (1, 2, 3, 4, 5, 7, 12, 25, 200, 1501):
        for x in (0.01, 0.5, 1.0, 3.84, 7.79, 20.0, float(df), df * 1.3, 300.0):
            assert math.isclose(
                chi2_sf(x, df), float(stats.chi2.sf(x, df)), rel_tol=1e-9, abs_tol=1e-15
            ), (df, x)
    assert chi2_sf(0.0, 3) == 1.0


def test_to_dict_is_plain_json() -> None:
    result = callaway_santanna(mpdta())
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["overall"]["att"] == result.overall.att
    assert len(data["att_gt"]) == 12 and data["att_gt"][0]["event_time"] == 0
    assert [row["event_time"] for row in data["event_study"]] == list(range(-3, 4))
    assert data["pretrend"]["df"] == 5
    tiny = two_by_two(np.random.default_rng(1), 2, 2)
    assert (
        json.loads(json.dumps(callaway_santanna(tiny).to_dict(), allow_nan=False))["pretrend"][
            "p_value"
        ]
        is None
    )


def test_event_study_svg() -> None:
    result: DidResult = callaway_santanna(mpdta())
    svg = event_study_svg(result, title="最低工资 事件研究")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "<text" not in svg  # text as paths: the file needs no font
    assert "http://" not in svg.replace("http://www.w3.org", "").replace(
        "http://purl.org", ""
    ).replace("http://creativecommons.org", "").replace("https://matplotlib.org", "")
    # deterministic: the same result draws the same file
    assert svg == event_study_svg(result, title="最低工资 事件研究")
    assert svg != event_study_svg(result, title="another title")


def _bad(panel: pd.DataFrame, code: str, **options: object) -> str:
    with pytest.raises(PanelError) as caught:
        callaway_santanna(panel, **options)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)
    assert caught.value.code == f"analysis.did.{code}"
    return caught.value.message


def test_refusals_in_zh_cn() -> None:
    panel = mpdta()
    assert "first_treated" in _bad(panel.drop(columns="first_treated"), "missing_columns")
    assert "缺少列" in _bad(panel.rename(columns={"outcome": "y"}), "missing_columns")
    text = panel.astype({"outcome": object})
    text.loc[7, "outcome"] = "n/a"
    assert "第 8 行" in _bad(text, "not_numeric")
    empty = panel.copy()
    empty.loc[3, "outcome"] = np.nan
    _bad(empty, "not_numeric")
    fractional = panel.astype({"period": float})
    fractional.loc[0, "period"] = 2003.5
    _bad(fractional, "not_integer")
    assert "不平衡" in _bad(panel.drop(index=12), "unbalanced")
    _bad(pd.concat([panel, panel.iloc[[0]]]), "unbalanced")
    mixed = panel.copy()
    mixed.loc[1, "first_treated"] = 2006
    _bad(mixed, "inconsistent_group")
    assert "处理组" in _bad(panel.assign(first_treated=0), "no_treated")
    assert "对照组" in _bad(panel[panel["first_treated"] > 0], "no_control")
    _bad(panel[panel["period"] == 2004], "too_few_periods")
    _bad(panel.iloc[0:0], "empty")
    _bad(panel, "bad_option", alpha=1.5)
    _bad(panel, "bad_option", control="sometimes")
