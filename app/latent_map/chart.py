"""Plotly figures for the latent map, built as plain dicts.

Plain dicts skip plotly.graph_objects validation, which costs more than the
rest of a rerun for 10,000 points and two 200 x 200 heat maps.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.common.palette import (
    CLASS_COLOURS,
    GAP_FILL,
    GAP_NAME,
    GAP_OUTLINE,
    LOG_RATIO_RANGE,
    NO_CLASS_COLOUR,
    class_colour,
)
from app.common.shared_figure import PreparedFigure
from app.latent_map.click import MAP_META
from vae_core.latent.outline import mask_outline

PALETTE = list(CLASS_COLOURS)  # app.common.palette's, the same on every page
GAP_COLOUR = GAP_FILL
# τ in nats on a scale that spreads the useful small values (steps of 0.5 up to 3) and still reaches 40: on a
# 0-40 slider in steps of 0.5, "drag from 2 to 5" was a few pixels.
TAU_CHOICES = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0, 30.0, 40.0)
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
    for cls, idx in groups:
        name = "data" if cls is None else str(class_names[cls]) if class_names is not None else str(cls)
        traces.append({
            "type": "scattergl", "mode": "markers", "name": name,
            "x": _round(coords[idx, 0]), "y": _round(coords[idx, 1]), "customdata": idx,
            "marker": {"size": 4, "opacity": 0.75, "color": NO_CLASS_COLOUR if cls is None else class_colour(cls)},
            "unselected": {"marker": {"opacity": 0.75}},
            "hovertemplate": f"class {name}<br>index %{{customdata}}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
        })
    return traces


def colour_range(*log_ratios) -> tuple[float, float]:
    """(low, top) of the heat map's colour bar: the maximum, and at most 40 nats below it; over several maps, one
    range for all, so the same colour is the same value in each."""
    top = max(float(np.max(r)) for r in log_ratios)
    return max(min(float(np.min(r)) for r in log_ratios), top - 40.0), top


def density_traces(xs, ys, log_ratio, gaps, latent_dim: int, zrange: tuple[float, float] | None = None) -> list[dict]:
    """The full-space log q(z) - log p(z) on the plane as a heat map, and the gaps (< -tau) shaded. The colour bar
    runs over LOG_RATIO_RANGE on every map, for every model, so one shade is one value; values beyond are drawn at
    its ends, and its title says so. `zrange` overrides it (colour_range, one range for several maps)."""
    low, top = zrange or LOG_RATIO_RANGE
    label = "log q(z) − log p(z), nats" + (f" (full {latent_dim}-D, at the plane's z)" if latent_dim > 2 else "")
    label += f"; fixed scale {low:g} to {top:g}, beyond drawn at the ends" if zrange is None else ""
    return [
        # Unclipped: Plotly paints values beyond zmin/zmax in the end colours, and the hover tells the value.
        {"type": "heatmap", "x": _round(xs), "y": _round(ys), "z": _round(log_ratio, 2),
         "name": "log q(z) − log p(z)", "colorscale": DENSITY_SCALE, "zmin": low, "zmax": top, "opacity": 0.85,
         # Below the plot, across it: on the right it took a fifth of the map's width.
         "colorbar": {"title": {"text": label, "side": "top"}, "orientation": "h", "x": 0.5, "xanchor": "center",
                      "y": -0.16, "yanchor": "top", "len": 1.0, "thickness": 12},
         "hovertemplate": "(%{x:.2f}, %{y:.2f}): log q(z) − log p(z) = %{z:.2f}<br>click to decode"
                          "<extra></extra>"},
        # One byte a cell (1: a gap; 0 drawn transparent): as NaN-or-1 float64 it was 0.43 MB of every map's
        # JSON, serialised again for each visitor and on every rerun.
        {"type": "heatmap", "x": _round(xs), "y": _round(ys), "z": np.asarray(gaps, dtype=np.uint8), "name": "gap",
         "showscale": False, "hoverinfo": "skip", "zmin": 0, "zmax": 1,
         "colorscale": [[0, "rgba(0, 0, 0, 0)"], [0.5, "rgba(0, 0, 0, 0)"], [0.5, GAP_FILL], [1, GAP_FILL]]},
    ]


def gap_outline_trace(xs, ys, gaps) -> dict:
    """The gaps' outline, drawn after the points: WebGL like them, so it is painted above them, and a gap inside
    a cluster's cloud of points still shows."""
    x, y = mask_outline(xs, ys, gaps)
    return {"type": "scattergl", "mode": "lines", "x": _round(x, 3), "y": _round(y, 3), "name": GAP_NAME,
            "line": {"color": GAP_OUTLINE, "width": 1.5}, "hoverinfo": "skip", "connectgaps": False,
            "legendgroup": "gap"}


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


def map_figure(traces: list[dict], axis_titles, box, height: int = 620, view_key: str | None = None,
               images: list[dict] | None = None) -> go.Figure:
    """The map fills its frame: both axes keep exactly the box (`constrain: domain` shrinks the plot to the box's
    shape instead of widening a range), so the heat map fills the axes and no point lies outside it."""
    (x0, y0), (x1, y1) = box
    return PreparedFigure({"data": traces, "layout": {
        "height": height, "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
        "xaxis": {"title": {"text": axis_titles[0]}, "range": [x0, x1], "zeroline": False, "constrain": "domain"},
        "yaxis": {"title": {"text": axis_titles[1]}, "range": [y0, y1], "zeroline": False,
                  "scaleanchor": "x", "scaleratio": 1, "constrain": "domain"},
        # Above the plot, the toolbar upright at the right: below, the entries sat on the x axis's title, and a
        # toolbar across the top covered the last of them.
        "legend": {"itemsizing": "constant", "orientation": "h", "x": 0, "y": 1.01, "yanchor": "bottom"},
        "modebar": {"orientation": "v"},
        "hovermode": "closest", "clickmode": "event", "dragmode": "pan",
        "uirevision": "keep", "meta": MAP_META, **({"images": images} if images else {}),
        # The click listener's key (click.js), in an attribute Plotly keeps and otherwise ignores.
        **({"datarevision": view_key} if view_key else {}),
    }})


def strip_figure(zs, log_q, log_p, gaps, coords, labels, class_names) -> go.Figure:
    """The 1-D case: q(z) and p(z) along z, gaps shaded, the means as a rug by class."""
    q, p = np.exp(log_q), np.exp(log_p)
    top = float(max(q.max(), p.max()))
    traces = [
        {"type": "scatter", "mode": "lines", "x": _round(zs), "y": _round(np.where(gaps, top, 0.0)), "fill": "tozeroy",
         "line": {"width": 0},
         "fillcolor": GAP_FILL, "name": "gap", "hoverinfo": "skip"},
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
