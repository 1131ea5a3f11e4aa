"""Thumbnails on a map, as the Embedding Projector draws them: a subsample of the points, each drawn as its
image in a square of side `size` centred on it, chosen so that no two squares overlap.

Greedy in a seeded random order (so the subsample is spread over the map, not packed where the first points
are): a point is kept when its square meets none already kept. Two kept points are at least `size` apart on
one axis, so a grid of cells of side `size` holds at most one of them per cell, and a new square can meet
only those in the 3 x 3 cells around its own: linear time."""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError

MAX_THUMBNAILS = 2_000


def spread_thumbnails(points: np.ndarray, size: float, limit: int = 300, seed: int = 0) -> np.ndarray:
    """Indices (sorted) of at most `limit` points whose size x size squares do not overlap; maximal unless
    the limit stopped it (every other point's square meets a kept one)."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ConfigError(f"thumbnails need (n, 2) points, got shape {points.shape}")
    if not (np.isfinite(size) and size > 0):
        raise ConfigError(f"the thumbnail size must be a positive number, got {size}")
    if not 1 <= limit <= MAX_THUMBNAILS:
        raise ConfigError(f"at most {MAX_THUMBNAILS:,} thumbnails, got {limit}")
    cells: dict[tuple[int, int], int] = {}
    kept: list[int] = []
    for i in np.random.default_rng(seed).permutation(len(points)):
        x, y = points[i]
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        cx, cy = int(np.floor(x / size)), int(np.floor(y / size))
        if any((j := cells.get((cx + a, cy + b))) is not None and abs(points[j, 0] - x) < size
               and abs(points[j, 1] - y) < size for a in (-1, 0, 1) for b in (-1, 0, 1)):
            continue
        cells[(cx, cy)] = int(i)
        kept.append(int(i))
        if len(kept) == limit:
            break
    return np.sort(np.asarray(kept, dtype=np.int64))
