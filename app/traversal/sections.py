"""The traversal page's lower sections: exports, strips along each dimension, interpolation."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from app.common.cache import get_dataset
from app.common.model_cache import data_name, encodings, kl_per_dimension
from app.common.ui import user_errors
from vae_core.images.gallery import tile_images
from vae_core.latent.aggregate import encode_dataset
from vae_core.latent.traversal import (
    decode,
    kl_order,
    lerp,
    parse_z,
    path_densities,
    png_bytes,
    slerp,
    slerp_fallback_reason,
    strip_offsets,
    traversal_strips,
    z_json,
)

S = st.session_state


def _scale(model) -> int:
    return max(1, 56 // model.config.image_shape[0])


def export_buttons(name: str, z, png: bytes, label) -> None:
    cols = st.columns(2)
    cols[0].download_button("Image as PNG", png, "decoded.png", "image/png", key="dl_image")
    cols[1].download_button("z as JSON", z_json(name, z, label), "z.json", "application/json", key="dl_z")


def strips_section(model, z, label) -> None:
    st.subheader("Traversal strips")
    st.latex(r"x_{d}(t) = \mu_D(z + t\, e_d), \qquad t \in [t_{\min}, t_{\max}]")
    d = model.config.latent_dim
    kl = kl_per_dimension(model.name) if model.name else None
    order = list(range(d)) if kl is None else sum(kl_order(kl), [])
    cols = st.columns(4)
    k = cols[0].number_input("Top k dimensions by KL", 1, d, min(d, 8), key="strip_k")
    lo = cols[1].number_input("t from", -10.0, 10.0, -3.0, 0.5, key="strip_lo")
    hi = cols[2].number_input("t to", -10.0, 10.0, 3.0, 0.5, key="strip_hi")
    steps = cols[3].number_input("Steps", 2, 21, 9, key="strip_steps")
    with user_errors():
        offsets = strip_offsets(lo, hi, int(steps))
        dims = order[:int(k)]
        images = traversal_strips(model, z, dims, offsets, label)
        grid = tile_images(images.reshape(-1, *images.shape[2:]), cols=len(offsets), scale=_scale(model))
        names = ", ".join(f"z{v + 1}" + ("" if kl is None else f" (KL {kl[v]:.2f})") for v in dims)
        ts = ", ".join(f"{t:g}" for t in offsets)
        png = png_bytes(grid)  # encoded once, for the page and the download
        st.image(png, caption=f"Rows, top to bottom: {names}. Columns: t = {ts}", output_format="PNG")
        st.download_button("Strips as PNG", png, "strips.png", "image/png", key="dl_strips")


def _endpoints(name: str, model) -> tuple[np.ndarray, np.ndarray, str, str] | None:
    options = ["Two data-set images", "Current z and a random prior draw", "Two typed z"]
    pair = S.get("interpolate_endpoints")
    if pair and pair.get("model") == name:
        options.insert(0, "Two uploads")
    source = st.radio("Endpoints", options, horizontal=True, key="interp_source")
    d = model.config.latent_dim
    if source == "Two uploads":
        names = pair.get("labels") or ["upload A", "upload B"]
        return np.asarray(pair["a"], float), np.asarray(pair["b"], float), names[0], names[1]
    if source == "Two typed z":
        cols = st.columns(2)
        # Not opposite ends (all -1, all 1): those have no spherical path. Alternating signs are orthogonal to all 1.
        ta = cols[0].text_input(f"z_a ({d} comma-separated numbers)",
                                ", ".join("1" if i % 2 == 0 else "-1" for i in range(d)), key="interp_za")
        tb = cols[1].text_input(f"z_b ({d} comma-separated numbers)", ", ".join(["1"] * d), key="interp_zb")
        return parse_z(ta, d), parse_z(tb, d), "z_a", "z_b"
    if source.startswith("Current"):
        seed = st.number_input("Seed of the prior draw", 0, 10_000, 0, key="interp_seed")
        return np.asarray(S.trav_z), np.random.default_rng(int(seed)).standard_normal(d), "current z", f"draw {seed}"
    dname = data_name(name)
    if not dname:
        st.info("This checkpoint does not say which data set it was trained on.")
        return None
    data = get_dataset(dname)
    cols = st.columns(2)
    ia = int(cols[0].number_input("Image A index", 0, len(data) - 1, 0, key="interp_a"))
    ib = int(cols[1].number_input("Image B index", 0, len(data) - 1, len(data) // 2, key="interp_b"))  # another class
    mu, _ = encode_dataset(model, data.x[[ia, ib]], data.y[[ia, ib]])
    return mu[0].astype(float), mu[1].astype(float), f"image #{ia}", f"image #{ib}"


@st.fragment
def interpolation_section(name: str, model, label) -> None:
    st.subheader("Interpolation")
    # Off until asked for: the chart pulls in Plotly, which would otherwise slow every page open.
    if not st.toggle("Interpolate between two points", key="interp_on"):
        st.caption("Linear or spherical paths between two data-set images, two uploads or any two z, with "
                   "log q(z) along the path to show where it crosses a gap.")
        return
    st.latex(r"\text{lerp: } z(t) = (1-t)\, z_a + t\, z_b \qquad "
             r"\text{slerp: } z(t) = \frac{\sin((1-t)\Omega)}{\sin\Omega} z_a + \frac{\sin(t\Omega)}{\sin\Omega} z_b,"
             r"\quad \cos\Omega = \frac{z_a^\top z_b}{\lVert z_a\rVert \lVert z_b\rVert}")
    with user_errors():
        ends = _endpoints(name, model)
        if ends is None:
            return
        a, b, la, lb = ends
        cols = st.columns(2)
        method = cols[0].radio("Path", ["linear", "spherical"], horizontal=True, key="interp_method")
        steps = int(cols[1].number_input("Steps N", 2, 30, 10, key="interp_steps"))
        path = (lerp if method == "linear" else slerp)(a, b, steps)
        fallback = slerp_fallback_reason(a, b) if method == "spherical" else None
        if fallback:
            st.warning(f"No spherical path here: {fallback}. Showing the straight line (lerp) instead.")
            method = "linear (spherical fell back)"
        images = decode(model, path, label)
        grid = tile_images(images, cols=steps, scale=_scale(model))
        png = png_bytes(grid)
        st.image(png, caption=f"{method} path from {la} (left) to {lb} (right), {steps} steps", output_format="PNG")
        st.download_button("Path as PNG", png, "interpolation.png", "image/png", key="dl_interp")
        if data_name(name):
            log_q, log_p = path_densities(path, *encodings(name))
            st.plotly_chart(_density_chart(np.linspace(0, 1, steps), log_q, log_p), key="interp_chart")
            st.caption("log q(z) is the aggregate posterior (1/N) sum_i N(z; mu_i, sigma_i^2) of the training "
                       "encodings: a dip means the path crosses a gap between the encodings, where the decoder "
                       "was never trained.")


def _density_chart(t, log_q, log_p) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=t, y=log_q, mode="lines+markers", name="log q(z), aggregate posterior")
    fig.add_scatter(x=t, y=log_p, mode="lines", name="log p(z), prior", line={"dash": "dash"})
    fig.update_layout(height=280, margin={"l": 10, "r": 10, "t": 30, "b": 10}, xaxis_title="t",
                      yaxis_title="log density (nats)", legend={"orientation": "h", "y": 1.15})
    return fig
