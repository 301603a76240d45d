"""Our psychometrics against published worked examples (numbers cited at each test) and
small cases worked by hand.

The classic data set is Holzinger & Swineford (1939), the nine mental-ability tests x1..x9
of 301 children, as shipped with semopy (MIT) and lavaan. Some published figures were
computed from a 300-row copy of it (one child fewer), so those are compared at the
precision they were printed with (two decimals) plus that difference.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from semopy.examples import holzinger39

from gangting.analysis import psychometrics as pm

ITEMS = [f"x{i}" for i in range(1, 10)]
HS_MODEL = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    data = holzinger39.get_data()[ITEMS]
    assert data.shape == (301, 9)
    return data


# --- Cronbach's alpha and the Feldt interval -------------------------------------------


# (statpsych's ci.cronbach is not this interval: it gives .7971254 where Feldt's F gives
# .7970649 for alpha .85, n 89, k 7, so it is not used as a reference.)
@pytest.mark.parametrize(
    ("alpha", "n", "k", "low", "high", "source"),
    [
        # MRC CBU stats wiki, Chris Evans' feldt1.return(0.913, 873, 20): .9044024 to .9211588
        (0.913, 873, 20, 0.9044024, 0.9211588, "CBU statswiki FAQ/cafun"),
    ],
)
def test_feldt_interval_matches_published_examples(
    alpha: float, n: int, k: int, low: float, high: float, source: str
) -> None:
    got_low, got_high = pm.feldt_interval(alpha, n, k)
    assert got_low == pytest.approx(low, abs=5e-7), source
    assert got_high == pytest.approx(high, abs=5e-7), source


@pytest.mark.parametrize(
    ("scale", "alpha", "low", "high"),
    [
        # psych::alpha on the three Holzinger-Swineford scales (300-row copy), "Feldt" rows:
        # visual .63 [.55, .69], textual .88 [.86, .90], speed .69 [.62, .75]
        ("visual", 0.63, 0.55, 0.69),
        ("textual", 0.88, 0.86, 0.90),
        ("speed", 0.69, 0.62, 0.75),
    ],
)
def test_alpha_of_holzinger_swineford_scales(
    hs: pd.DataFrame, scale: str, alpha: float, low: float, high: float
) -> None:
    got = pm.cronbach_alpha(hs[HS_MODEL[scale]])
    assert (got.n, got.k) == (301, 3)
    assert got.alpha == pytest.approx(alpha, abs=0.006)
    assert got.ci_low == pytest.approx(low, abs=0.01)
    assert got.ci_high == pytest.approx(high, abs=0.01)
    assert got.ci_low < got.alpha < got.ci_high


def test_alpha_worked_by_hand() -> None:
    # items a = 1,2,3 and b = 1,3,2: var(a) = var(b) = 1; totals 2,5,5 have mean 4 and
    # variance (4 + 1 + 1)/2 = 3; alpha = 2/1 * (1 - 2/3) = 2/3
    got = pm.cronbach_alpha([[1, 1], [2, 3], [3, 2]])
    assert got.alpha == pytest.approx(2 / 3)
    assert (got.n, got.k) == (3, 2)


def test_alpha_of_identical_items_is_one_and_rows_with_gaps_are_left_out() -> None:
    got = pm.cronbach_alpha([[1, 1], [2, 2], [4, 4], [5, np.nan]])
    assert got.alpha == pytest.approx(1.0)
    assert got.n == 3


def test_alpha_refuses_what_it_cannot_compute() -> None:
    with pytest.raises(ValueError):
        pm.cronbach_alpha([[1], [2], [3]])  # one item
    with pytest.raises(ValueError):
        pm.cronbach_alpha([[3, 3], [3, 3], [3, 3]])  # totals do not vary


# --- reverse coding ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "lo", "hi", "score"),
    [(1, 1, 5, 5), (2, 1, 5, 4), (3, 1, 5, 3), (5, 1, 5, 1), (0, 0, 10, 10), (7, 1, 7, 1)],
)
def test_reverse_code_is_min_plus_max_minus_raw(raw: int, lo: int, hi: int, score: int) -> None:
    assert pm.reverse_code(raw, lo, hi) == score


def test_reverse_code_refuses_a_value_off_the_scale() -> None:
    with pytest.raises(ValueError):
        pm.reverse_code(6, 1, 5)


# --- KMO and Bartlett ---------------------------------------------------------------------


def test_kmo_of_holzinger_swineford(hs: pd.DataFrame) -> None:
    # psych::KMO on the nine tests (300-row copy): Overall MSA = 0.75; per item
    # 0.80 0.78 0.74 0.76 0.74 0.81 0.59 0.68 0.79
    got = pm.kmo(hs)
    assert got.overall == pytest.approx(0.75, abs=0.006)
    published = [0.80, 0.78, 0.74, 0.76, 0.74, 0.81, 0.59, 0.68, 0.79]
    for item, value in zip(ITEMS, published, strict=True):
        assert got.per_item[item] == pytest.approx(value, abs=0.011), item


def test_kmo_of_two_items_is_one_half() -> None:
    # With two items the anti-image correlation is the correlation itself (there is nothing
    # to partial out), so KMO = r^2 / (r^2 + r^2) = 0.5 whatever r is.
    rng = np.random.default_rng(7)
    a = rng.normal(size=50)
    got = pm.kmo(np.column_stack([a, a + rng.normal(size=50)]))
    assert got.overall == pytest.approx(0.5)
    assert list(got.per_item.values()) == pytest.approx([0.5, 0.5])


def test_bartlett_of_holzinger_swineford_agrees_with_lavaan_baseline(hs: pd.DataFrame) -> None:
    # lavaan's cfa() tutorial on these data prints the baseline (independence) model's
    # chi-square 918.852 on 36 df with N = 301; that statistic is -N ln|R|. Bartlett's test
    # is -(N - 1 - (2p + 5)/6) ln|R|, so it must be 918.852 * (300 - 23/6) / 301 = 904.10.
    got = pm.bartlett_sphericity(hs)
    assert got.df == 36
    assert got.chi2 == pytest.approx(918.852 * (300 - 23 / 6) / 301, abs=0.01)
    assert got.p_value < 1e-100


def test_bartlett_worked_by_hand_for_two_items() -> None:
    # p = 2: |R| = 1 - r^2, chi2 = -(n - 1 - 9/6) ln(1 - r^2), df = 1
    x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    y = np.array([2.0, 1, 4, 3, 6, 5, 8, 9])
    r = np.corrcoef(x, y)[0, 1]
    got = pm.bartlett_sphericity(np.column_stack([x, y]))
    assert got.df == 1
    assert got.chi2 == pytest.approx(-(8 - 1 - 1.5) * math.log(1 - r**2))


def test_singular_data_is_refused() -> None:
    a = np.arange(10.0)
    with pytest.raises(ValueError):
        pm.kmo(np.column_stack([a, 2 * a, np.sin(a)]))
    with pytest.raises(ValueError):
        pm.bartlett_sphericity(np.column_stack([a, np.ones(10)]))


# --- EFA and varimax ----------------------------------------------------------------------


def test_efa_of_holzinger_swineford(hs: pd.DataFrame) -> None:
    got = pm.efa(hs, 3)
    # eigen(cor(hs)) (300-row copy): 3.226 1.641 1.363 0.700 0.579 0.497 0.472 0.285 0.236
    published_eigen = [3.226, 1.641, 1.363, 0.700, 0.579, 0.497, 0.472, 0.285, 0.236]
    assert got.eigenvalues == pytest.approx(published_eigen, abs=0.015)
    assert got.eigenvalues.sum() == pytest.approx(9.0)
    # psych::fa(fm = "pa", nfactors = 3) communalities h2 (rotation does not change them):
    # .49 .25 .45 .73 .75 .69 .52 .52 .46
    h2 = [0.49, 0.25, 0.45, 0.73, 0.75, 0.69, 0.52, 0.52, 0.46]
    assert got.communalities == pytest.approx(h2, abs=0.015)
    # and the simple structure of the three abilities: each test loads most on its own
    strongest = np.argmax(np.abs(got.loadings), axis=1)
    groups = [set(strongest[i : i + 3]) for i in (0, 3, 6)]
    assert all(len(g) == 1 for g in groups)
    assert len(set.union(*groups)) == 3
    # the textual factor carries most variance (psych: SS loadings 2.21 of 9 items, 0.25)
    assert got.explained_variance[0] == pytest.approx(2.21 / 9, abs=0.01)
    assert got.explained_variance.sum() == pytest.approx(got.communalities.sum() / 9)


def test_rotation_leaves_communalities_unchanged(hs: pd.DataFrame) -> None:
    rotated = pm.efa(hs, 3)
    unrotated = pm.efa(hs, 3, rotation=None)
    assert rotated.communalities == pytest.approx(unrotated.communalities)


def _varimax_criterion(loadings: np.ndarray) -> float:
    """Kaiser's raw varimax criterion: the sum over factors of the variance of the squared
    loadings."""
    return float(np.var(loadings**2, axis=0).sum())


def test_varimax_finds_the_best_angle_of_a_two_factor_solution(hs: pd.DataFrame) -> None:
    # With two factors every orthogonal rotation is a turn by an angle, so the varimax
    # solution is the angle that maximises the criterion: a search over a fine grid of
    # angles must not beat it, and it must land on the grid's best angle.
    loadings = pm.efa(hs[["x1", "x2", "x3", "x4", "x5", "x6"]], 2, rotation=None).loadings
    ours, t = pm.varimax(loadings, normalize=False, eps=1e-12)
    assert t @ t.T == pytest.approx(np.eye(2))
    best = max(
        _varimax_criterion(
            loadings @ np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        )
        for a in np.linspace(0, math.pi / 2, 9001)
    )
    assert _varimax_criterion(ours) == pytest.approx(best, rel=1e-7)
    assert _varimax_criterion(ours) > _varimax_criterion(loadings)
    # the rotated solution separates the two abilities: visual x1-x3, textual x4-x6
    strongest = np.argmax(np.abs(ours), axis=1)
    assert len(set(strongest[:3])) == len(set(strongest[3:])) == 1
    assert strongest[0] != strongest[3]


def test_varimax_agrees_with_scikit_learn(hs: pd.DataFrame) -> None:
    # scikit-learn's FactorAnalysis rotation (BSD-3-Clause) is an independent implementation
    # of raw varimax (no Kaiser normalisation).
    from sklearn.decomposition._factor_analysis import _ortho_rotation

    loadings = pm.efa(hs, 3, rotation=None).loadings
    ours, _ = pm.varimax(loadings, normalize=False, eps=1e-10)
    theirs = _ortho_rotation(loadings, "varimax", tol=1e-10, max_iter=1000).T
    # compare up to the order and sign of the columns
    for col in ours.T:
        best = max(abs(float(col @ c)) / float(c @ c) for c in theirs.T)
        assert best == pytest.approx(1.0, abs=1e-5)


def test_efa_refuses_too_many_factors(hs: pd.DataFrame) -> None:
    with pytest.raises(ValueError):
        pm.efa(hs, 9)


# --- CFA ------------------------------------------------------------------------------------


def test_cfa_reproduces_the_lavaan_tutorial(hs: pd.DataFrame) -> None:
    # lavaan tutorial, cfa(HS.model, data = HolzingerSwineford1939): chi-square 85.306 on
    # 24 df; baseline 918.852 on 36; CFI 0.931, TLI 0.896, RMSEA 0.092; loadings
    # x2 0.554, x3 0.729, x5 1.113, x6 0.926, x8 1.180, x9 1.082
    got = pm.cfa(hs, HS_MODEL)
    assert got.n == 301
    assert got.fit["chi2"] == pytest.approx(85.306, abs=0.01)
    assert got.fit["df"] == 24
    assert got.fit["chi2_baseline"] == pytest.approx(918.852, abs=0.01)
    assert got.fit["CFI"] == pytest.approx(0.931, abs=0.0006)
    assert got.fit["TLI"] == pytest.approx(0.896, abs=0.0006)
    assert got.fit["RMSEA"] == pytest.approx(0.092, abs=0.0006)
    published = {
        ("visual", "x2"): 0.554,
        ("visual", "x3"): 0.729,
        ("textual", "x5"): 1.113,
        ("textual", "x6"): 0.926,
        ("speed", "x8"): 1.180,
        ("speed", "x9"): 1.082,
    }
    for (factor, item), value in published.items():
        assert got.loadings[factor][item]["estimate"] == pytest.approx(value, abs=0.003), item
    assert got.loadings["visual"]["x1"]["estimate"] == 1.0
    assert got.loadings["visual"]["x1"]["se"] is None
    assert got.to_dict()["fit"]["df"] == 24


def test_cfa_refuses_a_factor_of_one_item_or_an_unknown_item(hs: pd.DataFrame) -> None:
    with pytest.raises(ValueError):
        pm.cfa(hs, {"a": ["x1"], "b": ["x2", "x3"]})
    with pytest.raises(ValueError):
        pm.cfa(hs, {"a": ["x1", "nope"]})


# --- descriptive table ----------------------------------------------------------------------


def test_describe_items_worked_by_hand() -> None:
    frame = pd.DataFrame({"q1": [1, 2, 2, 5, np.nan], "q2": [3, 3, 3, 3, 3]})
    q1, q2 = pm.describe_items(frame, 1, 5)
    assert (q1.item, q1.n, q1.mean) == ("q1", 4, 2.5)
    # deviations -1.5 -0.5 -0.5 2.5: squares 2.25 0.25 0.25 6.25 = 9, /3 = 3
    assert q1.sd == pytest.approx(math.sqrt(3))
    assert q1.percent == {1: 25.0, 2: 50.0, 3: 0.0, 4: 0.0, 5: 25.0}
    assert (q2.n, q2.mean, q2.sd, q2.percent[3]) == (5, 3.0, 0.0, 100.0)
