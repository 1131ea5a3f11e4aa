"""Decoded grids over a latent plane, in the style of Kingma & Welling's 2-D MNIST manifold."""

from __future__ import annotations

import numpy as np
import torch
from scipy.stats import norm

from ..errors import ConfigError

SPACINGS = ("linear", "inverse-cdf")


def grid_coordinates(lo: float, hi: float, g: int, spacing: str = "linear") -> np.ndarray:
    """g values per axis: evenly spaced in z, or evenly spaced in prior probability.

    "inverse-cdf" maps g evenly spaced probabilities through the prior's inverse
    CDF, as Kingma & Welling do, so each cell holds the same prior mass; lo and hi
    are then clipped probabilities' z values.
    """
    if g < 2 or g > 40:
        raise ConfigError(f"the grid size must be between 2 and 40, got {g}")
    if not hi > lo:
        raise ConfigError(f"the box needs hi > lo, got lo={lo}, hi={hi}")
    if spacing == "linear":
        return np.linspace(lo, hi, g)
    if spacing == "inverse-cdf":
        return norm.ppf(np.linspace(norm.cdf(lo), norm.cdf(hi), g))
    raise ConfigError(f"unknown spacing {spacing!r}; choose one of {', '.join(SPACINGS)}")


def plane_latents(xs: np.ndarray, ys: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Latents for every (x, y) on the grid, row-major with y decreasing down the rows like an image."""
    gx, gy = np.meshgrid(xs, ys[::-1])
    return np.column_stack([gx.ravel(), gy.ravel()]) @ np.asarray(basis, dtype=np.float64)


def decode_latents(model, z: np.ndarray, label: int | None = None, batch: int = 1024) -> np.ndarray:
    """model.decode of each row of z, as (N, H, W) float32 images in [0, 1]."""
    h, w = model.config["image_shape"]
    out = []
    with torch.no_grad():
        for start in range(0, len(z), batch):
            zb = torch.as_tensor(z[start:start + batch], dtype=torch.float32)
            y = None if label is None else torch.full((len(zb),), label, dtype=torch.long)
            out.append(model.decode(zb, y).reshape(-1, h, w).numpy())
    if not out:
        return np.zeros((0, h, w), dtype=np.float32)
    return np.concatenate(out)
