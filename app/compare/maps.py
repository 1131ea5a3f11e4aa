"""One model's latent map for a side-by-side column: its own box, the one colour range of every map."""

from __future__ import annotations

import numpy as np

from app.common.cache import get_dataset
from app.common.palette import class_colour
from app.common.presenter import presenting
from app.compare.cache import METHOD, density
from app.latent_map import cache as lmc
from app.latent_map.chart import class_traces, density_traces, gap_outline_trace, map_figure, prior_circles


def map_for(name: str, data_name: str, tau: float, meta: str):
    """No colour bar (the page's caption states the range: one bar per column took a quarter of a narrow one);
    no legend (the classes' colours are the one palette of every page)."""
    data = get_dataset(data_name)
    xs, ys, log_ratio = density(name, data_name)
    view = lmc.view(name, data_name, METHOD, (0, 1))
    latent_dim = view.basis.shape[1] if view.basis is not None else 2
    traces = density_traces(xs, ys, log_ratio, log_ratio < -tau, latent_dim) + \
        class_traces(view.coords, np.asarray(data.y), data.class_names) + prior_circles() + \
        [gap_outline_trace(xs, ys, log_ratio < -tau)]  # as on the latent map: the veil and its outline
    traces[0]["showscale"] = False
    traces[0]["hovertemplate"] = "(%{x:.2f}, %{y:.2f}): log q(z) − log p(z) = %{z:.2f}<extra></extra>"  # no clicks
    for k, trace in enumerate(t for t in traces if t.get("mode") == "markers"):
        trace["marker"]["color"] = class_colour(k)
    box = ((float(xs[0]), float(ys[0])), (float(xs[-1]), float(ys[-1])))
    fig = map_figure(traces, view.axis_titles, box, height=440 if presenting() else 330)
    fig.layout.showlegend = False
    fig.layout.margin = {"l": 40, "r": 5, "t": 10, "b": 40}
    fig.layout.meta = meta
    return fig
