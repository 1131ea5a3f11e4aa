"""The traversal page's lower sections: exports, strips along each dimension, interpolation."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from app.common.cache import get_dataset
from app.common.glossary import explain
from app.common.layout import folded
from app.common.link_state import held, linked_choice, linked_number, linked_toggle, numbers, prepare, publish
from app.common.model_cache import data_name, encodings, kl_per_dimension
from app.common.palette import GAP_FILL, GAP_OUTLINE, TRAIN_COLOUR
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
# Default endpoints whose straight path crosses a gap: of 1,822 pairs of mnist-5k images from different classes
# (both ends covered), the deepest dip of log q(z) - log p(z) on mnist-2d, about -14 nats at 12 steps, where
# the images in between turn into an 8-like blend that is neither digit.
THROUGH_A_GAP = {("mnist-2d", "mnist-5k"): (164, 1312)}
GAP_TAU = 2.0  # the latent map's default τ: below log q(z) - log p(z) = -τ a point is in a gap


def _scale(model) -> int:
    return max(1, 56 // model.config.image_shape[0])


def export_buttons(name: str, z, png: bytes, label) -> None:
    cols = st.columns(2)
    cols[0].download_button("Image as PNG", png, "decoded.png", "image/png", key="dl_image")
    cols[1].download_button("z as JSON", z_json(name, z, label), "z.json", "application/json", key="dl_z")


def strips_section(model, z, label) -> None:
    st.subheader("Traversal strips")
    with folded("The mathematics: a strip along one dimension"):
        st.latex(r"x_{d}(t) = \mu_D(z + t\, e_d), \qquad t \in [t_{\min}, t_{\max}]")
    d = model.config.latent_dim
    kl = kl_per_dimension(model.name) if model.name else None
    order = list(range(d)) if kl is None else sum(kl_order(kl), [])
    cols = st.columns(4)
    k = cols[0].number_input("Top k dimensions by KL", 1, d, min(d, 8), key="strip_k", help=explain("active unit"))
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
    source = linked_choice(st.radio, "Endpoints", options, options[0], key="interp_source", name="ends",
                           codes=ENDS_CODES, horizontal=True)
    d = model.config.latent_dim
    if source == "Two uploads":
        names = pair.get("labels") or ["upload A", "upload B"]
        return np.asarray(pair["a"], float), np.asarray(pair["b"], float), names[0], names[1]
    if source == "Two typed z":
        cols = st.columns(2)
        # Not opposite ends (all -1, all 1): those have no spherical path. Alternating signs are orthogonal to all 1.
        ta = linked_text(cols[0], f"z_a ({d} comma-separated numbers)",
                         ", ".join("1" if i % 2 == 0 else "-1" for i in range(d)), key="interp_za", name="za", d=d)
        tb = linked_text(cols[1], f"z_b ({d} comma-separated numbers)", ", ".join(["1"] * d), key="interp_zb",
                         name="zb", d=d)
        return parse_z(ta, d), parse_z(tb, d), "z_a", "z_b"
    if source.startswith("Current"):
        seed = linked_number(st, "Seed of the prior draw", 0, 10_000, 0, key="interp_seed", name="iseed")
        return np.asarray(S.trav_z), np.random.default_rng(int(seed)).standard_normal(d), "current z", f"draw {seed}"
    dname = data_name(name)
    if not dname:
        st.info("This checkpoint does not say which data set it was trained on.")
        return None
    data = get_dataset(dname)
    cols = st.columns(2)
    a0, b0 = THROUGH_A_GAP.get((name, dname), (0, len(data) // 2))  # else: another class
    ia = int(linked_number(cols[0], "Image A index", 0, len(data) - 1, a0, key="interp_a", name="a"))
    ib = int(linked_number(cols[1], "Image B index", 0, len(data) - 1, b0, key="interp_b", name="b"))
    if (ia, ib) == THROUGH_A_GAP.get((name, dname)):
        st.caption(f"Images #{ia} (a 0) and #{ib} (a 2): their straight path crosses a gap between the classes.")
    mu, _ = encode_dataset(model, data.x[[ia, ib]], data.y[[ia, ib]])
    return mu[0].astype(float), mu[1].astype(float), f"image #{ia}", f"image #{ib}"


ENDS_CODES = {"Two uploads": "uploads", "Two data-set images": "images", "Current z and a random prior draw": "draw",
              "Two typed z": "typed"}  # the link's ?ends=; uploads are never in a link, so that one is not read


def linked_text(where, label: str, default: str, key: str, name: str, d: int) -> str:
    """A typed z kept in the address; a link's value must be d finite numbers."""
    prepare(key, name, lambda raw: numbers(d, 1e4)(raw) and raw, default)
    text = where.text_input(label, key=key, **held(key))
    publish(name, text.replace(" ", ""), default.replace(" ", ""), key=key)
    return text


@st.fragment
def interpolation_section(name: str, model, label) -> None:
    st.subheader("Interpolation")
    # Off until asked for: the chart pulls in Plotly, which would otherwise slow every page open.
    if not linked_toggle(st, "Interpolate between two points", key="interp_on", name="interp"):
        st.caption("Linear or spherical paths between two data-set images, two uploads or any two z, with "
                   "log q(z) along the path to show where it crosses a gap.")
        return
    with folded("The mathematics: linear and spherical paths"):
        st.latex(r"\text{lerp: } z(t) = (1-t)\, z_a + t\, z_b \qquad "
                 r"\text{slerp: } z(t) = \frac{\sin((1-t)\Omega)}{\sin\Omega} z_a "
                 r"+ \frac{\sin(t\Omega)}{\sin\Omega} z_b,"
                 r"\quad \cos\Omega = \frac{z_a^\top z_b}{\lVert z_a\rVert \lVert z_b\rVert}")
    with user_errors():
        ends = _endpoints(name, model)
        if ends is None:
            return
        a, b, la, lb = ends
        cols = st.columns(2)
        method = linked_choice(cols[0].radio, "Path", ["linear", "spherical"], "linear", key="interp_method",
                               name="path", horizontal=True)
        steps = int(linked_number(cols[1], "Steps N", 2, 30, 12, key="interp_steps", name="steps"))
        if model.config.latent_dim > 2:  # in 2-D the straight line has no norm problem to show
            st.caption("Compare spherical with linear: in many dimensions the straight line passes near the "
                       "origin, a z of unusually small norm for N(0, I).")
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
            st.plotly_chart(_density_chart(np.linspace(0, 1, steps), log_q - log_p), key="interp_chart")
            low = float(np.min(log_q - log_p))
            st.caption(f"log q(z) − log p(z) along the path, lowest {low:.1f} nats"
                       + (f", in a gap (below −τ = −{GAP_TAU:g})" if low < -GAP_TAU else ", never in a gap")
                       + ". q(z) is the aggregate posterior (1/N) Σ_i N(z; μ_i, σ_i²) of the training encodings: "
                       "where the line dips below −τ the path crosses a gap, where the decoder was never trained.")


def _density_chart(t, log_ratio) -> go.Figure:
    """log q(z) - log p(z) along the path, the gap threshold -τ, and the points below it marked in the gap colour:
    the same quantity, and the same gap, as on the latent map (log q and log p apart hid a dip of 14 nats in
    curves that span 30)."""
    fig = go.Figure()
    fig.add_hrect(y0=min(float(np.min(log_ratio)), -GAP_TAU) - 1, y1=-GAP_TAU, fillcolor=GAP_FILL, line_width=0)
    fig.add_hline(y=-GAP_TAU, line={"color": GAP_OUTLINE, "dash": "dot", "width": 1})
    fig.add_scatter(x=t, y=log_ratio, mode="lines+markers", name="log q(z) − log p(z)",
                    line={"color": TRAIN_COLOUR})
    gap = log_ratio < -GAP_TAU
    fig.add_scatter(x=t[gap], y=log_ratio[gap], mode="markers", name=f"in a gap (< −τ = −{GAP_TAU:g})",
                    marker={"color": GAP_OUTLINE, "size": 10, "symbol": "x"})
    fig.update_layout(height=300, margin={"l": 10, "r": 10, "t": 40, "b": 10}, xaxis_title="t along the path",
                      yaxis_title="log q(z) − log p(z), nats", legend={"orientation": "h", "y": 1.02,
                                                                       "yanchor": "bottom"})
    return fig
