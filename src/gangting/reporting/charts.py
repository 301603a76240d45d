"""The reports' charts: matplotlib SVG with the text drawn as paths (the SVG needs no font
and fetches nothing), CJK font families by name (fonts-noto-cjk)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "DejaVu Sans")
BLUE = "#1d4ed8"
AMBER = "#b45309"
GREY = "#6b7280"


def _rc() -> dict[str, Any]:
    return {
        "font.family": "sans-serif",
        "font.sans-serif": list(CJK_FONTS),
        "axes.unicode_minus": False,
        "svg.fonttype": "path",
        "svg.hashsalt": "gangting-reports",
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def _svg(figure: object) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})  # type: ignore[attr-defined]
    return inline_svg(buffer.getvalue())


def inline_svg(text: str) -> str:
    """An SVG document fit to sit inside HTML: no XML prolog, no DOCTYPE (which names a
    w3.org DTD by URL)."""
    text = re.sub(r"^<\?xml[^>]*>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
    # matplotlib's RDF metadata names purl.org / creativecommons.org namespaces and its own
    # site: not resources, but nothing a report needs either
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    return text


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    ylabel: str,
    right: tuple[str, Sequence[float | None], str] | None = None,
    width_in: float = 8.0,
    height_in: float = 3.4,
) -> str:
    """Lines over ``labels`` (months); ``right`` an optional (name, values, ylabel) on a
    second axis, e.g. a rate beside counts."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_rc()):  # type: ignore[arg-type]
        figure = Figure(figsize=(width_in, height_in))
        axes = figure.add_subplot()
        x = list(range(len(labels)))
        colours = [BLUE, "#0f766e", "#7c3aed", GREY]
        for i, (name, values) in enumerate(series):
            ys = [float("nan") if v is None else v for v in values]
            axes.plot(x, ys, marker="o", markersize=3, color=colours[i % 4], label=name)
        axes.set_ylabel(ylabel)
        axes.set_title(title, fontsize=11)
        step = max(1, len(labels) // 12)
        axes.set_xticks(x[::step], [labels[i] for i in x[::step]], rotation=0, fontsize=8)
        handles, names = axes.get_legend_handles_labels()
        if right is not None:
            other = axes.twinx()
            ys = [float("nan") if v is None else v for v in right[1]]
            other.plot(x, ys, marker="s", markersize=3, color=AMBER, label=right[0])
            other.set_ylabel(right[2])
            h2, n2 = other.get_legend_handles_labels()
            handles, names = handles + h2, names + n2
        if handles:
            axes.legend(handles, names, loc="upper left", fontsize=8, frameon=False)
        axes.grid(axis="y", color="#e5e7eb", linewidth=0.6)
        figure.tight_layout()
        return _svg(figure)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    xlabel: str,
    width_in: float = 8.0,
) -> str:
    """Horizontal bars, the first label on top."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_rc()):  # type: ignore[arg-type]
        height = max(1.6, 0.32 * len(labels) + 0.9)
        figure = Figure(figsize=(width_in, height))
        axes = figure.add_subplot()
        y = list(range(len(labels)))[::-1]
        axes.barh(y, list(values), color=BLUE, height=0.6)
        axes.set_yticks(y, list(labels), fontsize=8)
        axes.set_xlabel(xlabel)
        axes.set_title(title, fontsize=11)
        for yi, v in zip(y, values, strict=True):
            axes.text(v, yi, f" {v:g}", va="center", fontsize=7, color="#374151")
        axes.grid(axis="x", color="#e5e7eb", linewidth=0.6)
        figure.tight_layout()
        return _svg(figure)
