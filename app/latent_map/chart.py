"""Plotly figures for the latent map, built as plain dicts.

Plain dicts skip plotly.graph_objects validation, which costs more than the
rest of a rerun for 10,000 points and two 200 x 200 heat maps.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.latent_map.click import MAP_META

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf"]
GAP_COLOUR = "rgba(230, 60, 60, 0.35)"
# Spelled out: unvalidated figures pass names to plotly.js, whose "Blues" runs dark to light.
DENSITY_SCALE = [[0.0, "#f7fbff"], [0.25, "#c6dbef"], [0.5, "#6baed6"], [0.75, "#2171b5"], [1.0, "#08306b"]]
LATTICE_NAME = "click target"
STRIP_META = "vae-latent-strip"  # layout.meta of the 1-D strip, for app.common.chart_view


def _round(a, digits: int = 4) -> np.ndarray:
    # float32 numpy arrays travel as base64 typed arrays and skip per-element validation.
    return np.round(np.asarray(a, dtype=np.float64), digits).astype(np.float32)


def class_traces(coords: np.ndarray, labels: np.ndarray | None, class_names) -> list[dict]:
    """One WebGL trace per class, so the legend toggles classes; one grey trace without labels."""
    groups = [(None, np.arange(len(coords)))] if labels is None or len(np.unique(labels)) < 2 else \
        [(int(c), np.flatnonzero(labels == c)) for c in np.unique(labels)]
    traces = []
    for k, (cls, idx) in enumerate(groups):
        name = "data" if cls is None else str(class_names[cls]) if class_names is not None else str(cls)
        traces.append({
            "type": "scattergl", "mode": "markers", "name": name,
            "x": _round(coords[idx, 0]), "y": _round(coords[idx, 1]), "customdata": idx,
            "marker": {"size": 4, "opacity": 0.75, "color": "#4c78a8" if cls is None else PALETTE[k % 10]},
            "unselected": {"marker": {"opacity": 0.75}},
            "hovertemplate": f"class {name}<br>index %{{customdata}}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
        })
    return traces


def density_traces(xs, ys, log_ratio, gaps, latent_dim: int) -> list[dict]:
    """The full-space log q(z) - log p(z) on the plane as a heat map, and the gaps (< -tau) shaded."""
    top = float(np.max(log_ratio))
    low = max(float(np.min(log_ratio)), top - 40.0)
    label = "log q(z) − log p(z)" + (f"<br>(full {latent_dim}-D, at the<br>plane's z)" if latent_dim > 2 else "")
    return [
        {"type": "heatmap", "x": _round(xs), "y": _round(ys), "z": _round(np.clip(log_ratio, low, None), 2),
         "name": "log q(z) − log p(z)", "colorscale": DENSITY_SCALE, "zmin": low, "zmax": top, "opacity": 0.85,
         "colorbar": {"title": {"text": label, "side": "right"}, "len": 0.6, "y": 0.3},
         "hovertemplate": "(%{x:.2f}, %{y:.2f}): log q(z) − log p(z) = %{z:.2f}<br>click to decode<extra></extra>"},
        {"type": "heatmap", "x": _round(xs), "y": _round(ys), "z": np.where(gaps, 1.0, np.nan), "name": "gap",
         "showscale": False, "hoverinfo": "skip", "colorscale": [[0, GAP_COLOUR], [1, GAP_COLOUR]]},
    ]


def prior_circles() -> list[dict]:
    t = np.linspace(0, 2 * np.pi, 121)
    traces = []
    for r in (1, 2, 3):
        # WebGL like the points: an SVG trace is always drawn beneath the WebGL canvas, whatever its order.
        traces.append({"type": "scattergl", "mode": "lines",
                       "x": _round(r * np.cos(t), 3), "y": _round(r * np.sin(t), 3),
                       "line": {"color": "black", "width": 1.5 if r == 1 else 1, "dash": "dot"}, "hoverinfo": "skip",
                       "name": "prior 1, 2, 3 σ", "legendgroup": "prior", "showlegend": r == 1})
    return traces


def ellipse_trace(xs, ys) -> dict:
    return {"type": "scatter", "mode": "lines", "name": "1σ of q(z|x)", "x": _round(xs, 3), "y": _round(ys, 3),
            "line": {"color": "rgba(0,0,0,0.45)", "width": 1}, "hoverinfo": "skip", "connectgaps": False}


def unvalidated(figure: dict) -> go.Figure:
    """A Figure that st.plotly_chart serialises without re-validating every array.

    Validation of a dict figure costs 0.1-0.2 s per rerun for this map, more than
    the rest of the click path; these dicts are built here from known-good parts.
    """
    return go.Figure(figure, _validate=False)


def map_figure(traces: list[dict], axis_titles, box, height: int = 620) -> go.Figure:
    (x0, y0), (x1, y1) = box
    return unvalidated({"data": traces, "layout": {
        "height": height, "margin": {"l": 50, "r": 10, "t": 30, "b": 90},
        "xaxis": {"title": {"text": axis_titles[0]}, "range": [x0, x1], "zeroline": False},
        "yaxis": {"title": {"text": axis_titles[1]}, "range": [y0, y1], "zeroline": False,
                  "scaleanchor": "x", "scaleratio": 1},
        # Below the plot: at the top, Plotly's toolbar covered the last legend entries.
        "legend": {"itemsizing": "constant", "orientation": "h", "x": 0, "y": -0.1, "yanchor": "top"},
        "hovermode": "closest", "clickmode": "event", "dragmode": "pan",
        "uirevision": "keep", "meta": MAP_META,
    }})


def strip_figure(zs, log_q, log_p, gaps, coords, labels, class_names) -> go.Figure:
    """The 1-D case: q(z) and p(z) along z, gaps shaded, the means as a rug by class."""
    q, p = np.exp(log_q), np.exp(log_p)
    top = float(max(q.max(), p.max()))
    traces = [
        {"type": "scatter", "mode": "lines", "x": _round(zs), "y": _round(np.where(gaps, top, 0.0)), "fill": "tozeroy",
         "line": {"width": 0},
         "fillcolor": GAP_COLOUR, "name": "gap", "hoverinfo": "skip"},
        {"type": "scatter", "mode": "lines", "x": _round(zs), "y": _round(q, 6), "name": "q(z)",
         "line": {"color": "#1f77b4", "width": 2}},
        {"type": "scatter", "mode": "lines", "x": _round(zs), "y": _round(p, 6), "name": "p(z) = N(0, 1)",
         "line": {"color": "black", "dash": "dot"}},
    ]
    rug = class_traces(np.column_stack([coords[:, 0], np.full(len(coords), -0.05 * top)]), labels, class_names)
    lattice = {"type": "scatter", "mode": "markers", "name": LATTICE_NAME, "showlegend": False,
               "x": _round(zs), "y": [0.0] * len(zs), "marker": {"size": 8, "opacity": 0},
               "selected": {"marker": {"opacity": 0}}, "unselected": {"marker": {"opacity": 0}},
               "hovertemplate": "decode z = %{x:.2f}<extra></extra>"}
    return unvalidated({"data": traces + rug + [lattice], "layout": {
        "height": 360, "margin": {"l": 50, "r": 10, "t": 30, "b": 45}, "hovermode": "closest",
        "xaxis": {"title": {"text": "z"}}, "yaxis": {"title": {"text": "density"}}, "dragmode": "pan",
        "clickmode": "event+select", "legend": {"orientation": "h", "y": 1.1}, "meta": STRIP_META}})
