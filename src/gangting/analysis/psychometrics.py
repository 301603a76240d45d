"""Psychometrics of a survey's Likert scales: reliability (Cronbach's α with the Feldt
interval), factorability (KMO, Bartlett's test of sphericity), exploratory factor analysis
(iterated principal-axis factoring, our own varimax), a confirmatory model (semopy, MIT) and
per-item descriptive tables.

The GPL packages that usually do this (pingouin, factor-analyzer, psych) cannot be used in an
Apache-2.0 project, so the small statistics are computed here from their published formulas
and tested against published worked examples (tests/analysis/test_psychometrics.py).

Input is a table of respondents (rows) by items (columns): a pandas DataFrame (its column
names name the items) or anything numpy turns into a 2-D float array. Rows with a missing
answer are left out (listwise deletion); each result says how many rows it used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

Matrix = NDArray[np.float64]


@dataclass(frozen=True)
class Alpha:
    """Cronbach's α with its Feldt confidence interval, from ``n`` respondents and ``k`` items."""

    alpha: float
    ci_low: float
    ci_high: float
    n: int
    k: int
    confidence: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        return {
            "alpha": _num(self.alpha),
            "ci_low": _num(self.ci_low),
            "ci_high": _num(self.ci_high),
            "confidence": self.confidence,
            "n": self.n,
            "k": self.k,
            "method": "Cronbach (1951); CI: Feldt, Woodruff & Salih (1987), F(n-1, (n-1)(k-1))",
        }


@dataclass(frozen=True)
class Kmo:
    """Kaiser–Meyer–Olkin measure of sampling adequacy, overall and per item."""

    overall: float
    per_item: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": _num(self.overall),
            "per_item": {k: _num(v) for k, v in self.per_item.items()},
            "method": "Kaiser & Rice (1974): Σr² / (Σr² + Σq²), q = anti-image correlations",
        }


@dataclass(frozen=True)
class Bartlett:
    """Bartlett's (1951) test that the items' correlation matrix is the identity."""

    chi2: float
    df: int
    p_value: float
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "chi2": _num(self.chi2),
            "df": self.df,
            "p_value": _num(self.p_value),
            "n": self.n,
            "method": "Bartlett (1951): χ² = -(n - 1 - (2p + 5)/6) ln|R|, df = p(p - 1)/2",
        }


@dataclass(frozen=True)
class Efa:
    """An exploratory factor solution: ``loadings`` items × factors (rotated when asked),
    ``communalities`` per item, ``eigenvalues`` of the full correlation matrix (for the
    scree and Kaiser's eigenvalue > 1 rule), ``explained_variance`` the share of the
    items' total variance each factor carries."""

    items: tuple[str, ...]
    loadings: Matrix
    communalities: Matrix
    eigenvalues: Matrix
    explained_variance: Matrix
    rotation: str | None
    n: int
    iterations: int = field(default=0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": list(self.items),
            "loadings": {
                item: [_num(x) for x in row]
                for item, row in zip(self.items, self.loadings, strict=True)
            },
            "communalities": dict(
                zip(self.items, (_num(x) for x in self.communalities), strict=True)
            ),
            "eigenvalues": [_num(x) for x in self.eigenvalues],
            "explained_variance": [_num(x) for x in self.explained_variance],
            "rotation": self.rotation,
            "n": self.n,
            "method": "iterated principal-axis factoring of the correlation matrix (SMC start)"
            + ("; varimax with Kaiser normalisation (Kaiser 1958)" if self.rotation else ""),
        }


@dataclass(frozen=True)
class Cfa:
    """A confirmatory factor model fitted by maximum likelihood (semopy). ``loadings`` maps
    factor -> item -> estimate, standardised estimate, standard error and p value (the first
    item of each factor is fixed at 1 and has no standard error); ``fit`` holds chi2, df, p,
    CFI, TLI, RMSEA, GFI, AGFI, NFI, AIC, BIC and the baseline model's chi2 and df."""

    loadings: dict[str, dict[str, dict[str, float | None]]]
    fit: dict[str, float]
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "loadings": self.loadings,
            "fit": {k: _num(v) for k, v in self.fit.items()},
            "n": self.n,
            "method": "maximum likelihood (semopy 2.3, objective MLW); fit indices by semopy",
        }


@dataclass(frozen=True)
class ItemDescription:
    """One item's answers: count, mean, sample standard deviation and the share (percent)
    choosing each level of its scale (levels nobody chose show 0)."""

    item: str
    n: int
    mean: float
    sd: float
    percent: dict[int, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "n": self.n,
            "mean": _num(self.mean),
            "sd": _num(self.sd),
            "percent": {str(k): _num(v) for k, v in self.percent.items()},
        }


def reverse_code(raw: int, scale_min: int, scale_max: int) -> int:
    """A reverse-worded item's score on the scale's own direction: (min + max) - raw.

    On a 1..5 scale 1 becomes 5 and 3 stays 3. Raises ValueError for a value off the scale.
    """
    if not scale_min <= raw <= scale_max:
        raise ValueError(f"{raw} is outside the scale {scale_min}..{scale_max}")
    return scale_min + scale_max - raw


def cronbach_alpha(items: ArrayLike | pd.DataFrame, *, confidence: float = 0.95) -> Alpha:
    """Cronbach's (1951) α = k/(k-1) · (1 - Σ var(item) / var(total)), sample variances.

    The interval is Feldt's (Feldt, Woodruff & Salih 1987, formulas 6 and 7):
    (1 - α̂)/(1 - α) follows F with n-1 and (n-1)(k-1) degrees of freedom, so
    low = 1 - (1 - α̂)·F(1 - γ/2), high = 1 - (1 - α̂)·F(γ/2), γ = 1 - confidence.
    Needs k ≥ 2 items and n ≥ 2 complete rows whose totals vary; raises ValueError otherwise.
    α may be negative (items that do not measure one thing); it is reported as it is.
    """
    x, _ = _complete(items)
    n, k = x.shape
    if k < 2:
        raise ValueError("Cronbach's alpha needs at least 2 items")
    if n < 2:
        raise ValueError("Cronbach's alpha needs at least 2 complete rows")
    total_var = float(np.var(x.sum(axis=1), ddof=1))
    if total_var == 0.0:
        raise ValueError("Cronbach's alpha is undefined: every respondent has the same total")
    item_var = float(np.var(x, axis=0, ddof=1).sum())
    alpha = k / (k - 1) * (1.0 - item_var / total_var)
    low, high = feldt_interval(alpha, n, k, confidence=confidence)
    return Alpha(alpha, low, high, n, k, confidence)


def feldt_interval(
    alpha: float, n: int, k: int, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Feldt's confidence interval for a Cronbach's α from ``n`` respondents and ``k``
    items (Feldt, Woodruff & Salih 1987, formulas 6 and 7)."""
    if n < 2 or k < 2 or not 0.0 < confidence < 1.0:
        raise ValueError("the Feldt interval needs n >= 2, k >= 2 and 0 < confidence < 1")
    gamma = 1.0 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1.0 - (1.0 - alpha) * float(stats.f.ppf(1.0 - gamma / 2.0, df1, df2))
    high = 1.0 - (1.0 - alpha) * float(stats.f.ppf(gamma / 2.0, df1, df2))
    return low, high


def kmo(data: ArrayLike | pd.DataFrame) -> Kmo:
    """Kaiser–Meyer–Olkin measure of sampling adequacy (Kaiser 1970; Kaiser & Rice 1974).

    With R the correlation matrix and Q the anti-image (partial) correlations
    q_ij = -(R⁻¹)_ij / sqrt((R⁻¹)_ii (R⁻¹)_jj), over off-diagonal entries:
    overall = Σr² / (Σr² + Σq²); item j's MSA uses only the entries of row j.
    Kaiser (1974): ≥ .9 marvellous, .8 meritorious, .7 middling, .6 mediocre, .5 miserable,
    below .5 unacceptable. Raises ValueError when R is singular (an item is constant or a
    linear combination of the others).
    """
    x, names = _complete(data)
    r = _correlation(x)
    inv = _inverse(r)
    d = np.sqrt(np.diag(inv))
    q = -inv / np.outer(d, d)
    off = ~np.eye(r.shape[0], dtype=bool)
    r2 = np.where(off, r**2, 0.0)
    q2 = np.where(off, q**2, 0.0)
    overall = float(r2.sum() / (r2.sum() + q2.sum()))
    per = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    return Kmo(overall, {name: float(v) for name, v in zip(names, per, strict=True)})


def bartlett_sphericity(data: ArrayLike | pd.DataFrame) -> Bartlett:
    """Bartlett's (1951) test of sphericity: χ² = -(n - 1 - (2p + 5)/6)·ln|R| with
    p(p - 1)/2 degrees of freedom, R the correlation matrix of n complete rows of p items.
    A small p value says the items are correlated enough to factor. Raises ValueError for
    fewer than 2 items or a singular R."""
    x, _ = _complete(data)
    n, p = x.shape
    if p < 2:
        raise ValueError("Bartlett's test needs at least 2 items")
    r = _correlation(x)
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0:
        raise ValueError("the correlation matrix is singular")
    chi2 = -(n - 1 - (2 * p + 5) / 6.0) * float(logdet)
    df = p * (p - 1) // 2
    return Bartlett(chi2, df, float(stats.chi2.sf(chi2, df)), n)


def efa(
    data: ArrayLike | pd.DataFrame,
    n_factors: int,
    rotation: Literal["varimax"] | None = "varimax",
    *,
    max_iter: int = 1000,
    tol: float = 1e-6,
) -> Efa:
    """Exploratory factor analysis by iterated principal-axis factoring (Harman 1976 ch. 8):
    start from squared multiple correlations on the diagonal of R, take the first
    ``n_factors`` eigenpairs of the reduced matrix as loadings, put their row sums of squares
    back on the diagonal, repeat until the communalities move less than ``tol``.

    ``rotation="varimax"`` rotates orthogonally with Kaiser normalisation (``varimax``);
    None leaves the unrotated solution. Factors are ordered by their sum of squared loadings
    and signed so each column sums positive. Raises ValueError for n_factors outside
    1..items-1 or a singular R.
    """
    x, names = _complete(data)
    p = x.shape[1]
    if not 1 <= n_factors < p:
        raise ValueError(f"n_factors must be between 1 and {p - 1}")
    r = _correlation(x)
    eigenvalues = np.sort(np.linalg.eigvalsh(r))[::-1]
    h = 1.0 - 1.0 / np.diag(_inverse(r))
    loadings = np.zeros((p, n_factors))
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (reported)
        reduced = r.copy()
        np.fill_diagonal(reduced, h)
        values, vectors = np.linalg.eigh(reduced)
        order = np.argsort(values)[::-1][:n_factors]
        loadings = vectors[:, order] * np.sqrt(np.clip(values[order], 0.0, None))
        new_h = (loadings**2).sum(axis=1)
        if float(np.max(np.abs(new_h - h))) < tol:
            h = new_h
            break
        h = new_h
    if rotation == "varimax" and n_factors > 1:
        loadings, _ = varimax(loadings)
    elif rotation not in ("varimax", None):
        raise ValueError(f"unknown rotation {rotation!r}")
    ss = (loadings**2).sum(axis=0)
    order = np.argsort(ss)[::-1]
    loadings = loadings[:, order]
    loadings = loadings * np.where(loadings.sum(axis=0) < 0, -1.0, 1.0)
    return Efa(
        items=tuple(names),
        loadings=loadings,
        communalities=(loadings**2).sum(axis=1),
        eigenvalues=eigenvalues,
        explained_variance=(loadings**2).sum(axis=0) / p,
        rotation=rotation if n_factors > 1 else None,
        n=x.shape[0],
        iterations=iterations,
    )


def varimax(
    loadings: ArrayLike, *, normalize: bool = True, eps: float = 1e-5, max_iter: int = 1000
) -> tuple[Matrix, Matrix]:
    """Kaiser's (1958) varimax: the orthogonal rotation T maximising the variance of the
    squared loadings within each factor. Returns (rotated loadings, T).

    Each step solves the orthogonal Procrustes problem for the criterion's gradient
    B = Λᵀ(Z³ - Z·diag(ΣZ²)/p), Z = ΛT, by the SVD B = UΣVᵀ, T = UVᵀ, and stops when Σ of
    the singular values grows by less than the relative ``eps``. With ``normalize`` each row
    is scaled to unit length first and scaled back afterwards (Kaiser normalisation).
    """
    lam = np.asarray(loadings, dtype=np.float64)
    p, m = lam.shape
    if m < 2:
        return lam.copy(), np.eye(m)
    scale = np.sqrt((lam**2).sum(axis=1)) if normalize else np.ones(p)
    scale = np.where(scale == 0.0, 1.0, scale)
    x = lam / scale[:, None]
    t = np.eye(m)
    d = 0.0
    for _ in range(max_iter):
        z = x @ t
        b = x.T @ (z**3 - z @ np.diag((z**2).sum(axis=0)) / p)
        u, s, vt = np.linalg.svd(b)
        t = u @ vt
        d_old, d = d, float(s.sum())
        if d < d_old * (1.0 + eps):
            break
    return (x @ t) * scale[:, None], t


def cfa(frame: pd.DataFrame, model: Mapping[str, Sequence[str]]) -> Cfa:
    """A confirmatory factor model ``{factor: [item, …]}`` fitted by semopy (maximum
    likelihood, the first item of each factor fixed at 1, factors free to correlate), as
    lavaan's ``cfa()`` does. Rows with a missing answer in a model item are left out.
    Raises ValueError for a factor with fewer than 2 items, an item not in the frame, or a
    model semopy cannot fit."""
    import semopy  # heavy (sympy, statsmodels): loaded only when a CFA is asked for

    items: list[str] = []
    lines = []
    for factor, factor_items in model.items():
        if len(factor_items) < 2:
            raise ValueError(f"factor {factor!r} needs at least 2 items")
        missing = [i for i in factor_items if i not in frame.columns]
        if missing:
            raise ValueError(f"items not in the data: {', '.join(missing)}")
        items.extend(factor_items)
        lines.append(f"{factor} =~ " + " + ".join(factor_items))
    data = frame[list(dict.fromkeys(items))].dropna().astype(float)
    if data.shape[0] <= data.shape[1]:
        raise ValueError("a confirmatory model needs more complete rows than items")
    sem = semopy.Model("\n".join(lines))
    result = sem.fit(data)
    if not getattr(result, "success", True):
        raise ValueError("the confirmatory model did not converge")
    table = sem.inspect(std_est=True)
    loadings: dict[str, dict[str, dict[str, float | None]]] = {f: {} for f in model}
    for row in table.itertuples(index=False):
        lval, op, rval = row[0], row[1], row[2]
        if op == "~" and rval in model and lval in model[rval]:
            loadings[rval][lval] = {
                "estimate": _opt(row[3]),
                "std_estimate": _opt(row[4]),
                "se": _opt(row[5]),
                "p_value": _opt(row[7]),
            }
    s = semopy.calc_stats(sem).T["Value"]
    fit = {
        "chi2": float(s["chi2"]),
        "df": float(s["DoF"]),
        "p": float(s["chi2 p-value"]),
        "CFI": float(s["CFI"]),
        "TLI": float(s["TLI"]),
        "RMSEA": float(s["RMSEA"]),
        "GFI": float(s["GFI"]),
        "AGFI": float(s["AGFI"]),
        "NFI": float(s["NFI"]),
        "AIC": float(s["AIC"]),
        "BIC": float(s["BIC"]),
        "chi2_baseline": float(s["chi2 Baseline"]),
        "df_baseline": float(s["DoF Baseline"]),
    }
    return Cfa(loadings, fit, int(data.shape[0]))


def describe_items(
    frame: pd.DataFrame, scale_min: int, scale_max: int
) -> tuple[ItemDescription, ...]:
    """Per item (column): answers given, mean, sample sd (ddof 1; 0 for one answer) and the
    percentage choosing each level scale_min..scale_max. Missing answers are not counted."""
    out = []
    for column in frame.columns:
        values = frame[column].dropna().astype(float).to_numpy()
        n = int(values.size)
        percent = {
            level: (100.0 * float(np.sum(values == level)) / n if n else 0.0)
            for level in range(scale_min, scale_max + 1)
        }
        out.append(
            ItemDescription(
                item=str(column),
                n=n,
                mean=float(values.mean()) if n else math.nan,
                sd=float(values.std(ddof=1)) if n > 1 else (0.0 if n == 1 else math.nan),
                percent=percent,
            )
        )
    return tuple(out)


def _complete(data: ArrayLike | pd.DataFrame) -> tuple[Matrix, list[str]]:
    if isinstance(data, pd.DataFrame):
        names = [str(c) for c in data.columns]
        x = data.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        x = np.asarray(data, dtype=np.float64)
        names = [f"x{i + 1}" for i in range(x.shape[1])] if x.ndim == 2 else []
    if x.ndim != 2:
        raise ValueError("expected a 2-D table: respondents × items")
    x = x[~np.isnan(x).any(axis=1)]
    return x, names


def _correlation(x: Matrix) -> Matrix:
    if x.shape[0] < 3:
        raise ValueError("at least 3 complete rows are needed")
    if np.any(np.std(x, axis=0) == 0.0):
        raise ValueError("an item has the same answer in every row")
    return np.asarray(np.corrcoef(x, rowvar=False), dtype=np.float64)


def _inverse(r: Matrix) -> Matrix:
    try:
        inv = np.linalg.inv(r)
    except np.linalg.LinAlgError as exc:
        raise ValueError("the correlation matrix is singular") from exc
    if not np.all(np.isfinite(inv)) or np.linalg.cond(r) > 1e12:
        raise ValueError("the correlation matrix is singular")
    return np.asarray(inv, dtype=np.float64)


def _num(x: float) -> float | None:
    """JSON has no NaN: a value that cannot be computed is null."""
    return None if x is None or not math.isfinite(x) else float(x)


def _opt(v: object) -> float | None:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None
