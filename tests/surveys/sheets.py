"""Simulated answer sheets with a known structure: three scales, each item a noisy
reading of its scale's latent trait, reverse-worded items answered reversed."""

from __future__ import annotations

import csv
import io

import numpy as np

from gangting.surveys.catalogue import find_packaged


def simulated_csv(n: int, *, seed: int = 1, extra: dict[str, str] | None = None) -> str:
    survey = find_packaged("service_quality")
    assert survey is not None
    rng = np.random.default_rng(seed)
    latent = {scale: rng.normal(size=n) for scale in survey.scales}
    out = io.StringIO()
    items = survey.items
    writer = csv.writer(out)
    writer.writerow(["respondent", "submitted_at", *(i.code for i in items)])
    for row in range(n):
        values = []
        for item in items:
            score = 3 + 1.1 * latent[item.scale][row] + rng.normal(scale=0.7)
            level = int(np.clip(np.rint(score), item.scale_min, item.scale_max))
            values.append(str(item.score(level)))  # a reverse-worded item is answered reversed
        writer.writerow([f"P{row:04d}", "2026-11-20", *values])
    return out.getvalue()
