"""The outline of a region marked on a grid (the gaps of a latent map), as line segments along the cells' edges:
drawn above the points, it shows where a region is even where the points cover its shading."""

from __future__ import annotations

import numpy as np


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True in a 1-D boolean array."""
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2], edges[1::2]))


def mask_outline(xs: np.ndarray, ys: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segments between the cells of `mask` (rows along ys, columns along xs; cell centres evenly spaced) that are
    in the region and their neighbours that are not, joined where they continue in a straight line. Returned as x
    and y arrays with NaN between segments, the form a Plotly line trace draws as separate pieces. The grid's own
    border is not outlined: the axes frame it."""
    xs, ys, mask = np.asarray(xs, float), np.asarray(ys, float), np.asarray(mask, bool)
    if mask.shape != (len(ys), len(xs)):
        raise ValueError(f"mask has shape {mask.shape}, expected ({len(ys)}, {len(xs)})")
    dx = (xs[-1] - xs[0]) / (len(xs) - 1) if len(xs) > 1 else 1.0
    dy = (ys[-1] - ys[0]) / (len(ys) - 1) if len(ys) > 1 else 1.0
    x_edges = np.concatenate([[xs[0] - dx / 2], xs + dx / 2])  # x_edges[i] is the left edge of column i
    y_edges = np.concatenate([[ys[0] - dy / 2], ys + dy / 2])
    out_x: list[float] = []
    out_y: list[float] = []
    vertical = mask[:, 1:] != mask[:, :-1]  # between columns i and i + 1, per row
    for i in range(vertical.shape[1]):
        for start, stop in _runs(vertical[:, i]):
            out_x += [x_edges[i + 1], x_edges[i + 1], np.nan]
            out_y += [y_edges[start], y_edges[stop], np.nan]
    horizontal = mask[1:, :] != mask[:-1, :]  # between rows j and j + 1, per column
    for j in range(horizontal.shape[0]):
        for start, stop in _runs(horizontal[j]):
            out_x += [x_edges[start], x_edges[stop], np.nan]
            out_y += [y_edges[j + 1], y_edges[j + 1], np.nan]
    return np.asarray(out_x), np.asarray(out_y)
