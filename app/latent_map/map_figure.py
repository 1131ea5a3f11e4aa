"""The latent map's figure, built once for each view and shared by every visitor: a class of thirty opening the
page rebuilt the same traces (the points, the heat map, the gaps' outline) and serialised the same arrays thirty
times; a profile of 16 sessions opening at once put a quarter of the server's time there."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.common.cache import get_dataset
from app.latent_map import cache as lmc
from app.latent_map import chart as chart
from app.latent_map.thumbnails import thumbnail_images
from vae_core.latent.views import ellipses_trace


@st.cache_resource(show_spinner=False, max_entries=16)
def latent_map_figure(model_name: str, data_name: str, method: str, dims: tuple[int, int], tau: float,
                      density: bool, hide_points: bool, ellipses: bool, thumbnails: bool, height: int):
    """(figure, box): the map for this view and these boxes ticked, as a PreparedFigure (chart.py), which
    st.plotly_chart serialises without copying and re-encoding its arrays on every run."""
    data = get_dataset(data_name)
    mu, _ = lmc.encodings(model_name, data_name)
    v = lmc.view(model_name, data_name, method, dims)
    shown = lmc.view_indices(model_name, data_name, method)
    labels = None if data.y is None else data.y[shown]
    traces = []
    if v.linear:
        xs, ys, log_ratio = lmc.density(model_name, data_name, method, dims)
        if density:
            traces += chart.density_traces(xs, ys, log_ratio, log_ratio < -tau, mu.shape[1])
        box = ((xs[0], ys[0]), (xs[-1], ys[-1]))
    else:
        lo, hi = v.coords.min(axis=0), v.coords.max(axis=0)
        pad = 0.05 * (hi - lo)
        box = (tuple(lo - pad), tuple(hi + pad))
    if not (hide_points and v.linear):
        traces += chart.class_traces(v.coords, labels, data.class_names)
    if v.linear:
        if density:  # after the points, so the outline is drawn on top of them
            traces.append(chart.gap_outline_trace(xs, ys, log_ratio < -tau))
        traces += chart.prior_circles()
    if ellipses and v.linear:
        pick = np.random.default_rng(0).choice(len(v.coords), size=min(200, len(v.coords)), replace=False)
        traces.append(chart.ellipse_trace(*ellipses_trace(v.coords, v.spread, pick)))
    box = tuple(tuple(float(c) for c in corner) for corner in box)
    figure = chart.map_figure(traces, v.axis_titles, box, height=height,
                              view_key=f"map_click:{model_name}:{data_name}:{method}:{dims[0]}:{dims[1]}",
                              images=thumbnail_images(model_name, data_name, method, tuple(dims), box)
                              if thumbnails else None)
    return figure, box
