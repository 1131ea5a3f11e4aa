"""The class map's picture: the model's map of its training codes (faint, with the gaps shaded and outlined, as
on the latent map) and, above it, the students' points as large stars in their chosen label's colour."""

from __future__ import annotations

import numpy as np

from app.class_map.board import DATA, MODEL
from app.common.palette import class_colour
from app.latent_map import cache as lmc
from app.latent_map import chart

META = "vae-class-map"


def class_map_figure(points, tau: float, selected: int | None, height: int = 640):
    """`points`: the ClassPoints shown (already filtered); their ids travel as customdata for a click."""
    xs, ys, log_ratio = lmc.density(MODEL, DATA, "identity", (0, 1))
    v = lmc.view(MODEL, DATA, "identity", (0, 1))
    gaps = log_ratio < -tau
    traces = chart.density_traces(xs, ys, log_ratio, gaps, 2)
    traces[0]["hovertemplate"] = "(%{x:.2f}, %{y:.2f}): log q(z) − log p(z) = %{z:.2f}<extra></extra>"
    codes = v.coords[np.random.default_rng(0).choice(len(v.coords), size=min(2000, len(v.coords)), replace=False)]
    codes = np.round(codes, 4).astype(np.float32)  # float32 arrays travel as typed arrays
    traces.append({"type": "scattergl", "mode": "markers", "name": "training codes", "x": codes[:, 0],
                   "y": codes[:, 1], "hoverinfo": "skip",
                   "marker": {"size": 3, "color": "rgba(90, 90, 90, 0.35)"}})
    traces.append(chart.gap_outline_trace(xs, ys, gaps))
    for label in sorted({p.label for p in points}):
        mine = [p for p in points if p.label == label]
        traces.append({
            "type": "scatter", "mode": "markers", "name": f"class {label}", "legendgroup": f"class {label}",
            "x": [p.x for p in mine], "y": [p.y for p in mine], "customdata": [p.id for p in mine],
            "marker": {"symbol": "star", "size": [22 if p.id == selected else 15 for p in mine],
                       "color": class_colour(label), "line": {"color": "black", "width": 1}},
            "hovertemplate": f"a student's {label}<br>(%{{x:.2f}}, %{{y:.2f}})<br>click to see it<extra></extra>",
        })
    box = ((xs[0], ys[0]), (xs[-1], ys[-1]))
    figure = chart.map_figure(traces, ("z1", "z2"), box, height=height)
    figure.layout.meta = META
    return figure
