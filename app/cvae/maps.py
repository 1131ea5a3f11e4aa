"""The CVAE's aggregate posterior beside an unconditional VAE's, with click-to-decode-as-every-digit."""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from app.common.cache import get_dataset, get_model
from app.common.chart_view import KeptView, keep_chart_views
from app.common.glossary import explain
from app.common.link_state import linked_slider
from app.common.palette import LOG_RATIO_RANGE, class_colour
from app.common.presenter import presenting
from app.common.ui import image_grid
from app.cvae.cache import decode_all_labels
from app.latent_map import cache as lmc
from app.latent_map.chart import class_traces, density_traces, map_figure, prior_circles
from app.latent_map.click import MAP_META, clicked_point, map_click
from app.latent_map.hover import map_hover

BASELINE = "mnist-2d"
CLICK_KEY = "cvae_map_click"
MAP_HEIGHT = {False: 480, True: 640}  # px: the normal view, the presenter view


def latent_figure(model_name: str, data_name: str, tau: float, clickable: bool, height: int = 480):
    view = lmc.view(model_name, data_name, "pca", (0, 1))
    xs, ys, log_ratio = lmc.density(model_name, data_name, "pca", (0, 1))  # full-space log q(z) - log p(z)
    data = get_dataset(data_name)
    # The prior circles after the points, so they are drawn on top, as on the latent map.
    # The fixed range of every latent map (app.common.palette): one shade, one value, on both maps and every page.
    traces = density_traces(xs, ys, log_ratio, log_ratio < -tau, 2, LOG_RATIO_RANGE) + \
        class_traces(view.coords, np.asarray(data.y), data.class_names) + prior_circles()
    box = ((float(xs[0]), float(ys[0])), (float(xs[-1]), float(ys[-1])))
    for k, trace in enumerate(t for t in traces if t.get("mode") == "markers"):
        trace["marker"]["color"] = class_colour(k)  # the one palette (app.common.palette), as on every page
    fig = map_figure(traces, view.axis_titles, box, height=height)
    # The legend further below: at the chart's default place the x axis title "z1" sat over its entry "2".
    fig.layout.legend.y = -0.2
    fig.layout.margin.b = 110
    # Only the CVAE map is the click target: click.js finds its chart by layout.meta.
    fig.layout.meta = MAP_META if clickable else f"{MAP_META}-baseline"
    fig.layout.legend.font = {"size": 10}
    return fig


def side_by_side(cvae_name: str) -> None:
    """The two maps and the click row. The slider and the maps are a fragment, and the click row a fragment
    within it: moving tau redraws only the maps, never the classification or the accuracy below, so a click
    made meanwhile waits for two map redraws at most (Streamlit runs a fragment's rerun only after the run in
    progress has finished: a fragment-scoped widget never preempts it)."""
    model = get_model(cvae_name)
    data_name = model.card.get("data", {}).get("name", "mnist-5k")
    if model.config.latent_dim != 2:
        st.info(f"{cvae_name} has a {model.config.latent_dim}-D latent; this comparison needs a 2-D one. "
                "Pick mnist-cvae-2d to see it.")
        return
    # Moving tau redraws both maps: keep each one's hidden classes and zoom. Mounted in the sidebar, whose last
    # row gap shows nowhere (in the main column it added an empty 16 px row); it finds the charts page-wide.
    # Outside the fragment: a fragment may not write to the sidebar.
    with st.sidebar:
        keep_chart_views([KeptView(MAP_META, legend=f"cvae:{cvae_name}:{data_name}",
                                   zoom=f"cvae:{cvae_name}:{data_name}"),
                          KeptView(f"{MAP_META}-baseline", legend=f"cvae-baseline:{data_name}",
                                   zoom=f"cvae-baseline:{BASELINE}:{data_name}")], key="cvae_view_kept")
    maps_fragment(cvae_name, data_name)


@st.fragment
def maps_fragment(cvae_name: str, data_name: str) -> None:
    tau = linked_slider(st, "Gap threshold τ (nats)", 0.5, 6.0, 2.0, key="cvae_tau", name="tau", step=0.5,
                        help=explain("τ"))
    height = MAP_HEIGHT[presenting()]
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{cvae_name}** (conditional): codes of {data_name}")  # one line, as the right one's
        st.plotly_chart(latent_figure(cvae_name, data_name, tau, clickable=True, height=height), key="cvae_map",
                        config={"displayModeBar": False})
        map_hover(cvae_name, data_name, "cvae_hover")
    with right:
        st.markdown(f"**{BASELINE}** (unconditional): the same images")
        st.plotly_chart(latent_figure(BASELINE, data_name, tau, clickable=False, height=height),
                        key="cvae_baseline_map", config={"displayModeBar": False})
        map_hover(BASELINE, data_name, "cvae_baseline_hover", meta=f"{MAP_META}-baseline")
    st.caption("Blue: the aggregate posterior log q(z) = log (1/N) Σᵢ N(z; μ(xᵢ, yᵢ), σ²(xᵢ, yᵢ)), evaluated exactly; "
               f"shaded: gaps where log q(z) − log p(z) < −τ (τ = {tau:g}); dotted: the prior's 1, 2, 3 σ circles. "
               "The unconditional model must store the class in z, so its codes cluster by digit; the CVAE is "
               "told y, so its classes overlap and z holds style: slant, thickness, width.")
    click_fragment(cvae_name, data_name)


@st.fragment
def click_fragment(cvae_name: str, data_name: str) -> None:
    view = lmc.view(cvae_name, data_name, "pca", (0, 1))
    info, images = st.columns([1, 3])
    with info:
        st.markdown("**Click the left map** to decode that z as all ten digits")
        # served: the point this run decodes, so the listener's caption stops saying "decoding on the
        # server…" once it is (without it, the caption said so forever, beside the server's images)
        map_click(cvae_name, view, 84, key=CLICK_KEY, on_click=partial(_remember, CLICK_KEY),
                  served=st.session_state.get("cvae_clicked"))
    point = st.session_state.get("cvae_clicked")
    with images:
        if point is None:
            st.caption("No point clicked yet.")
            return
        z = tuple(float(v) for v in point)
        decoded = decode_all_labels(cvae_name, z)
        shape = get_model(cvae_name).config.image_shape
        image_grid(decoded.reshape(len(decoded), *shape), cols=len(decoded), scale=3,
                   caption=f"μ_D(z, y) for y = 0 … 9 at z = ({z[0]:+.2f}, {z[1]:+.2f}): one style, every digit")


def _remember(key: str) -> None:
    point = clicked_point(key)
    if point is not None:
        st.session_state.cvae_clicked = point
