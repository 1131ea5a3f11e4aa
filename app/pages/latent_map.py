"""Latent map: the aggregate posterior q(z), its clusters, and the gaps where prior samples decode to junk."""

import numpy as np
import streamlit as st

from app.common.cache import get_dataset, get_model
from app.common.chart_view import KeptView, keep_chart_views
from app.common.data_roots import spec_placeholder, visitor_spec
from app.common.glossary import explain
from app.common.layout import lazy_folded, page_intro
from app.common.link_state import held, integer_in, one_of, prepare, publish
from app.common.live_decoder import weights_once
from app.common.presenter import presenting
from app.common.ui import model_picker, user_errors
from app.latent_map import cache as lmc
from app.latent_map import chart as chart
from app.latent_map.click import MAP_META
from app.latent_map.hover import map_hover
from app.latent_map.links import clicked_from_link, publish_click
from app.latent_map.map_figure import latent_map_figure
from app.latent_map.panels import (
    click_decode_fragment,
    clicked_panel,
    export_panel,
    gap_stats_panel,
)
from app.latent_map.sections import sections
from app.latent_map.tau import tau_select
from app.latent_map.thumbnails import COUNT as THUMBNAILS
from vae_core.latent.aggregate import gap_mask

page_intro(
    "Latent map",
    "Every training image's code on the plane, coloured by class, over the aggregate posterior q(z): where the "
    "prior has mass but q(z) has none is a **gap** (grey, outlined). Click anywhere, gaps included, to decode that "
    "exact z.", "latent_map")
MATHEMATICS = (
    "Each image $x$ is encoded to a Gaussian $q(z\\mid x)$. Averaging them over the data set gives the "
    "**aggregate posterior**, the distribution of codes the decoder was trained on. Where the prior "
    "$p(z) = \\mathcal{N}(0, I)$ has mass but $q(z)$ has none, a prior sample decodes to something the decoder "
    "never learned: a **gap**.")
Q_FORMULA = (r"q(z) = \frac{1}{N}\sum_{i=1}^{N} \mathcal{N}\big(z;\ \mu(x_i),\ \operatorname{diag}\sigma^2(x_i)\big)"
             r"\qquad \text{gap: } \log q(z) - \log p(z) < -\tau")
PLANE_NOTE = (
    "The heat map, its grey gap shading, a click's verdict and the prior-hole mass all use this one quantity, "
    "$\\log q(z) - \\log p(z)$ in the full latent space. Beyond two dimensions the map shows it on the plane "
    "through the origin, $z = u_1 b_1 + u_2 b_2$ with the other directions at 0; the prior-hole mass averages it "
    "over $z \\sim p(z)$ in all dimensions, where a typical draw has $\\lVert z\\rVert \\approx \\sqrt{D}$, far "
    "from that plane. So a plane that looks mostly covered and a large prior-hole mass do not contradict each other."
)


def data_picker(model) -> str:
    trained_on = model.card.get("data", {}).get("name")
    shape = tuple(model.config["image_shape"])
    options = ["mnist-5k", "mnist", "fashion-mnist"] if shape == (28, 28) else ["digits"] if shape == (8, 8) else []
    if trained_on and trained_on not in options:
        options.insert(0, trained_on)
    options.append("other (idx:PATH or folder:PATH)…")
    default = options[options.index(trained_on) if trained_on in options else 0]
    prepare("map_data", "data", one_of(options[:-1], "a data set this model can show"), default)
    if st.session_state.map_data not in options:  # kept from another model's page
        st.session_state.map_data = default
    choice = st.sidebar.selectbox("Data set", options, key="map_data", **held("map_data", options),
                                  help="mnist and fashion-mnist are downloaded on first use.")
    publish("data", None if choice.startswith("other") else choice, default, key="map_data")
    if choice.startswith("other"):
        typed = st.sidebar.text_input("Data set spec", placeholder=spec_placeholder(), key="map_spec",
                                      help="Paths must lie inside the data folders this server allows.")
        if not typed.strip():
            st.info("Type a data-set spec in the sidebar (idx:PATH or folder:PATH) and press Enter, "
                    "or pick a named data set.")
            return ""
        return visitor_spec(typed)
    return choice


def view_picker(latent_dim: int) -> tuple[str, tuple[int, int]] | None:
    if latent_dim <= 2:
        return "identity", (0, 1)
    labels = {"pca": "PCA (default)", "dims": "two dimensions", "tsne": "t-SNE"}
    prepare("map_view", "view", one_of(labels, "pca, dims or tsne"), "pca")
    method = st.sidebar.radio("View", list(labels), format_func=labels.get, key="map_view",
                              **held("map_view", labels),
                              help="Gap statistics are always computed in the full latent space.")
    publish("view", method, "pca", key="map_view")
    dims = (0, 1)
    if method == "dims":
        c1, c2 = st.sidebar.columns(2)
        for key, name, default in (("map_dim_x", "dx", 1), ("map_dim_y", "dy", 2)):
            prepare(key, name, integer_in(1, latent_dim), default)
            if not 1 <= st.session_state[key] <= latent_dim:  # kept from a model with more dimensions
                st.session_state[key] = default
        i = c1.number_input("x: dimension", 1, latent_dim, key="map_dim_x", **held("map_dim_x"))
        j = c2.number_input("y: dimension", 1, latent_dim, key="map_dim_y", **held("map_dim_y"))
        publish("dx", int(i), 1, key="map_dim_x")
        publish("dy", int(j), 2, key="map_dim_y")
        dims = (int(i) - 1, int(j) - 1)
        if i == j:
            st.error(f"x and y: choose two different dimensions (both are {int(i)}).")
            return None
    return method, dims


MAP_HEIGHT = {False: 640, True: 900}  # the presenter view's charts are larger


@st.fragment
def map_fragment(model_name: str, data_name: str, method: str, dims: tuple[int, int], tau: float) -> None:
    data = get_dataset(data_name)
    mu, logvar = lmc.encodings(model_name, data_name)
    if method == "tsne":
        lmc.tsne_with_progress(model_name, data_name)
    v = lmc.view(model_name, data_name, method, dims)
    shown = lmc.view_indices(model_name, data_name, method)

    left, right = st.columns([3, 2])
    with left:
        # Short labels, two to a row: longer ones, or four to a row, were cut off ("Heat ma…") at 1280 px.
        opts = st.columns(2) + st.columns(2)
        show_density = opts[0].checkbox("Heat map and gaps", True, key="map_density", disabled=not v.linear,
                                        help="log q(z) − log p(z) as a heat map, the gaps shaded. " + explain("gap"))
        hide_points = opts[1].checkbox("Hide the points", key="map_hide_points", disabled=not v.linear,
                                       help="Shows the heat map and the gaps the points cover.")
        show_ellipses = opts[2].checkbox("1σ ellipses", key="map_ellipses", disabled=not v.linear,
                                         help="The 1σ ellipse of q(z|x) for 200 of the codes.")
        show_thumbs = opts[3].checkbox("Thumbnails", key="map_thumbnails",
                                       help=f"Up to {THUMBNAILS} of the images drawn at their codes, none "
                                            "overlapping; they zoom with the map.")
        figure, _ = latent_map_figure(model_name, data_name, method, tuple(dims), tau, show_density, hide_points,
                                      show_ellipses, show_thumbs, MAP_HEIGHT[presenting()])
        # No on_select: clicks are read by the click-decode component, whose fragment reruns alone.
        st.plotly_chart(figure, key="map_chart",
                        config={"toImageButtonOptions": {"filename": f"latent-map-{model_name}"},
                                "scrollZoom": True, "displaylogo": False})
        map_hover(model_name, data_name, "map_hover", positions=shown if method == "tsne" else None,
                  weights_mounted=True)
        st.caption(f"{len(v.coords):,} codes shown{' (an even subsample; t-SNE)' if method == 'tsne' else ''}. "
                   "Click a class in the legend to hide it; use the camera icon for a PNG.")
    with right:  # after the map: on a first visit the map shows while the gap samples are drawn
        samples = lmc.coverage(model_name, data_name)
        gap_stats_panel(samples, tau, mu.shape[1], model_name, data_name)
        click_decode_fragment(model_name, data_name, method, dims, tau)
        # Redrawing the map (tau, a checkbox) keeps hidden classes and, in the same view, the zoom. Last in
        # this column, where the empty element's row gap shows nowhere.
        keep_chart_views([KeptView(MAP_META, legend=f"classes:{data_name}",
                                   zoom=f"map:{model_name}:{data_name}:{method}:{dims}")], key="map_view_kept")
    export_panel(figure, model_name, data_name, mu, logvar, data)


@st.fragment
def strip_fragment(model_name: str, data_name: str, tau: float) -> None:
    data = get_dataset(data_name)
    mu, logvar = lmc.encodings(model_name, data_name)
    samples = lmc.coverage(model_name, data_name)
    st.info("This model has a 1-D latent, so the map is a density strip along z.")
    zs, log_q, log_p = lmc.strip(model_name, data_name)
    figure = chart.strip_figure(zs, log_q, log_p, gap_mask(log_q, log_p, tau), mu, data.y, data.class_names)
    event = st.plotly_chart(figure, key="strip_chart", on_select="rerun", selection_mode="points")
    keep_chart_views([KeptView(chart.STRIP_META, legend=f"strip:{data_name}", zoom=f"strip:{model_name}:{data_name}")],
                     key="strip_view_kept")
    points = event.selection.points if event and event.selection else []
    if points:
        st.session_state.map_clicked = (float(points[0]["x"]), 0.0)
    gap_stats_panel(samples, tau, 1, model_name, data_name)
    clicked = st.session_state.get("map_clicked")
    publish_click(clicked)
    if clicked is not None:
        from vae_core.latent.views import LatentView

        line = LatentView("identity", mu, logvar, np.eye(1), ("z", ""))
        clicked_panel(model_name, data_name, line, mu, (clicked[0],), tau)


model_name = model_picker(key="map_model")
if model_name:
    with user_errors():
        model = get_model(model_name)
        data_name = data_picker(model)
        if data_name:
            data = get_dataset(data_name)
            if tuple(data.image_shape) != tuple(model.config["image_shape"]):
                st.error(f"{data_name} has {data.image_shape[0]}x{data.image_shape[1]} images but {model_name} "
                         f"expects {model.config['image_shape'][0]}x{model.config['image_shape'][1]}; "
                         "pick a matching data set.")
            else:
                latent_dim = model.config["latent_dim"]
                # At page level, not in a fragment: every section below (the prior samples too) follows it.
                tau = tau_select("Gap threshold τ (nats)", "map_tau", where=st.sidebar,
                                 help_extra=" In many dimensions q(z) is far more concentrated than the prior, so "
                                            "larger τ are informative.")
                if model.config.conditional:
                    labels = list(model.config.labels)
                    st.sidebar.selectbox("Decode as class y", range(len(labels)), format_func=lambda i: str(labels[i]),
                                         key="map_decode_label",
                                         help="A conditional VAE decodes p(x | z, y): every image decoded on this "
                                              "page (clicks, prior samples, the manifold grid) uses this label.")
                if st.session_state.get("map_key") != (model_name, data_name):
                    st.session_state.map_key = (model_name, data_name)
                    st.session_state.pop("map_clicked", None)
                clicked_from_link()
                if latent_dim == 1:
                    strip_fragment(model_name, data_name, tau)
                elif (picked := view_picker(latent_dim)) is not None:
                    method, dims = picked
                    # Once per browser session: a full rerun (tau, a box) no longer serialises and hashes the
                    # decoder's megabytes again; the browser keeps them, parsed, for the page's life.
                    weights_once(model_name, "live_weights")
                    map_fragment(model_name, data_name, method, dims, tau)
                    box = lazy_folded("The mathematics: the aggregate posterior q(z) and its gaps", "map_math_open")
                    with box:
                        if box.open:
                            st.markdown(MATHEMATICS)
                            st.latex(Q_FORMULA)
                            if latent_dim > 2:
                                st.markdown(PLANE_NOTE)
                    sections(model_name, data_name, method, dims, tau, latent_dim)
