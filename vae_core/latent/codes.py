"""Latent codes as a table a spreadsheet or pandas can read."""

from __future__ import annotations

import csv
import io

import numpy as np


def codes_csv(mu: np.ndarray, logvar: np.ndarray, labels: np.ndarray | None = None, class_names=None) -> str:
    """One row per image: index, class, mu_1..mu_D, sigma_1..sigma_D (sigma = exp(logvar / 2))."""
    mu, sigma = np.asarray(mu), np.exp(0.5 * np.asarray(logvar, dtype=np.float64))
    d = mu.shape[1]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["index", "class", *[f"mu_{j + 1}" for j in range(d)], *[f"sigma_{j + 1}" for j in range(d)]])
    for i in range(len(mu)):
        cls = "" if labels is None else class_names[labels[i]] if class_names is not None else int(labels[i])
        writer.writerow([i, cls, *[f"{v:.6g}" for v in mu[i]], *[f"{v:.6g}" for v in sigma[i]]])
    return out.getvalue()
