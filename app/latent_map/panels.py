"""The latent map's side panels: gap figures, the clicked decode, prior samples, the manifold grid, export."""

from __future__ import annotations

import json
from functools import partial

import numpy as np
import plotly.io
import streamlit as st
from PIL import Image

from app.common.cache import get_model
from app.common.glossary import explain
from app.common.layout import lazy_folded
from app.common.lesson_events import record_once
from app.latent_map import cache as lmc
from app.latent_map.click import clicked_point, map_click
from app.latent_map.links import publish_click
from vae_core.latent.codes import codes_csv
from vae_core.latent.exact_coverage import ExactCoverage
from vae_core.latent.gaps import CoverageSamples, stats_from_samples
from vae_core.latent.manifold import SPACINGS, decode_latents, grid_coordinates

DISPLAY_PX = 168
# st.image re-encodes, for every visitor, a picture wider than this (Streamlit's MAXIMUM_CONTENT_WIDTH) or one
# whose format is not output_format; the default "auto" turns a grey PNG into a JPEG. The cached pictures are
# PNGs no wider than this, so each visitor's page sends them as they are.
MAX_SENT_WIDTH = 1460


def grid_scale(g: int, image_width: int) -> int:
    """The pixel scale of a G x G grid of images (1 px between them, vae_core.images.gallery.tile_images): 3, or
    2 beyond G = 15, and never wider than MAX_SENT_WIDTH."""
    return max(1, min(2 if g > 15 else 3, MAX_SENT_WIDTH // (g * (image_width + 1) + 1)))


def gap_stats_panel(samples: CoverageSamples, tau: float, latent_dim: int, model_name: str, data_name: str) -> None:
    s = stats_from_samples(samples, tau)
    n_codes = len(lmc.encodings(model_name, data_name)[0])
    st.markdown(f"**Measured in the full {latent_dim}-D latent space**, from N = {n_codes:,} codes")
    c1, c2 = st.columns(2)
    if latent_dim == 2:
        exact_metrics(lmc.exact_figures(model_name, data_name, tau), s, c1, c2)
    else:
        c1.metric("Prior-hole mass", f"{100 * s.prior_hole_mass:.1f}%",
                  help=explain("prior-hole mass") + f"  \nShare of {s.n_prior_samples:,} prior samples z ~ p(z) with "
                       "log q(z) - log p(z) < -τ.")
        c1.caption(f"± {100 * s.prior_hole_se:.2f}% (one standard error)")
        c2.metric("KL(q(z) ‖ p(z))", f"{s.kl_aggregate_prior:.3f} nats",
                  help="How far the aggregate posterior is from the prior; Monte Carlo over z ~ q(z). "
                       + explain("aggregate posterior"))
        c2.caption(f"± {s.kl_aggregate_prior_se:.3f} nats (one standard error)")
    c3, c4 = st.columns(2)
    # Short labels: the long ones were cut at 1280 px; the tooltips say the rest.
    c3.metric("Average KL term", f"{s.average_kl:.3f} nats",
              help="The ELBO's KL(q(z|x) ‖ p(z)), averaged over the N codes' images. " + explain("KL term"))
    mutual_information = lmc.exact_figures(model_name, data_name, tau).mutual_information if latent_dim == 2 \
        else s.mutual_information
    c4.metric("I(x; z)", f"{mutual_information:.3f} nats",
              help=explain("I(x; z)") + " Here of the empirical q(z), a mixture of N Gaussians.")
    c4.caption(f"≤ log N = {np.log(n_codes):.2f} nats (N = {n_codes:,} codes)")
    box = lazy_folded("The mathematics: how these figures are computed", "map_stats_math_open")
    with box:
        if box.open:
            st.latex(r"P_{z\sim p}\big(\log q(z) - \log p(z) < -\tau\big) \approx \frac{1}{S}\sum_{s=1}^{S}"
                     r"\mathbb{1}[\text{gap}(z_s)],\ \ \mathrm{SE} = \sqrt{\hat P(1-\hat P)/S}")
            st.latex(r"\mathrm{KL}\big(q(z)\,\|\,p(z)\big) = \mathbb{E}_{z\sim q(z)}\left[\log q(z) - \log p(z)\right]")
            st.latex(r"\overline{\mathrm{KL}} = \frac1N\sum_i \tfrac12\sum_j\left(\mu_{ij}^2 + \sigma_{ij}^2 - "
                     r"\log\sigma_{ij}^2 - 1\right)")
            st.latex(r"\overline{\mathrm{KL}} = I(x; z) + \mathrm{KL}\big(q(z)\,\|\,p(z)\big), \qquad "
                     r"I(x; z) \le \log N")
            st.caption(f"S = {s.n_prior_samples:,} samples of each; q(z) is evaluated exactly as the mixture above.")
    if latent_dim > 2 and st.toggle("How do these figures move with N?", key="map_by_n",
                                    help="Recompute them from the first 1,000, 2,000, 5,000 codes."):
        size_table(model_name, data_name, tau, n_codes)


def exact_metrics(e: ExactCoverage, s, c1, c2) -> None:
    """In 2-D the two figures are integrals over the plane: shown by quadrature, the Monte Carlo beside them."""
    c1.metric("Prior-hole mass, exact", f"{100 * e.prior_hole_mass:.2f}%",
              help=explain("prior-hole mass") + "  \n"
                   f"∫ p(z) 1[log q(z) − log p(z) < −τ] dz on a {e.points} × {e.points} grid (spacing "
                   f"{e.spacing:.3f}). The cells the gap's edge crosses hold at most {100 * e.prior_hole_bound:.2f}% "
                   "of prior mass: a bound on the error; a grid of twice the spacing moves the value by "
                   f"{100 * e.hole_grid_change:.3f}%.")
    c1.caption(f"by quadrature; Monte Carlo: {100 * s.prior_hole_mass:.1f}% ± {100 * s.prior_hole_se:.2f}%")
    # Three decimals: "0.3835 nats" was cut to "0.3835 …" at 1280 px; the grid's change is in the tooltip.
    c2.metric("KL(q(z) ‖ p(z)), exact", f"{e.kl_aggregate_prior:.3f} nats",
              help=f"∫ q (log q − log p) dz on the same grid; twice its spacing moves it by {e.kl_grid_change:.1e} "
                   "nats (a convergence check, not a bound).")
    c2.caption(f"by quadrature; Monte Carlo: {s.kl_aggregate_prior:.3f} ± {s.kl_aggregate_prior_se:.3f} nats")


def size_table(model_name: str, data_name: str, tau: float, n_codes: int) -> None:
    rows = lmc.stats_by_size(model_name, data_name, tau)
    st.dataframe([{"N codes": r["N"], "log N": round(r["log N"], 2), "I(x; z)": round(r["mutual_information"], 2),
                   "prior-hole mass %": round(100 * r["prior_hole_mass"], 1),
                   "± SE %": round(100 * r["prior_hole_se"], 2),
                   "KL(q ‖ p)": round(r["kl_aggregate_prior"], 2)} for r in rows],
                 hide_index=True, key="map_by_n_table")
    st.caption(f"In many dimensions q(z) built from N codes is a spiky mixture: I(x; z) sits near log N and the "
               f"prior-hole mass shrinks as N grows, so part of it is a data-size effect, not a hole. "
               f"{4000:,} prior samples per row. This server has {n_codes:,} codes for {data_name}; the data set "
               "mnist (downloaded on first use) gives larger N.")


def clicked_panel(model_name: str, data_name: str, view, mu, point, tau: float) -> None:
    st.markdown("**Decoded at the clicked point**")
    if point is None:
        st.caption("Click anywhere on the map to decode that z.")
        return
    server_decode(model_name, data_name, view, mu, point, tau)


@st.fragment
def click_decode_fragment(model_name: str, data_name: str, method: str, dims, tau: float) -> None:
    """The browser decodes a click at once; this fragment, and not the map's, reruns to decode it
    with PyTorch, so a click never resends the map."""
    view = lmc.view(model_name, data_name, method, dims)
    mu = lmc.encodings(model_name, data_name)[0][lmc.view_indices(model_name, data_name, method)]
    key = f"map_click:{model_name}:{data_name}:{method}:{dims[0]}:{dims[1]}"
    st.markdown("**Decoded at the clicked point**")
    browser, server = st.columns(2)
    point = st.session_state.get("map_clicked")  # set by the click's callback (or a link), before this rerun
    publish_click(point)
    with browser:
        map_click(model_name, view, DISPLAY_PX, key=key, on_click=partial(_remember_click, key), served=point)
    if point is not None:
        server_decode(model_name, data_name, view, mu, point, tau, image_slot=server)


def _remember_click(key: str) -> None:
    point = clicked_point(key)
    if point is not None:
        st.session_state.map_clicked = point


def server_decode(model_name: str, data_name: str, view, mu, point, tau: float, image_slot=None) -> None:
    z, index = view.to_latent(point, mu)
    model = get_model(model_name)
    image = decode_latents(model, z[None], decode_label(model))[0]
    scale = max(1, DISPLAY_PX // image.shape[0])
    pil = Image.fromarray(np.round(image * 255).astype(np.uint8), mode="L").resize(
        (image.shape[1] * scale, image.shape[0] * scale), Image.NEAREST)
    ratio = lmc.full_space_log_ratio(model_name, data_name, z)
    where = "in a gap" if ratio < -tau else "covered by q(z)"
    record_once("map_click", (model_name, data_name, tuple(z.tolist()), tau), log_ratio=ratio, tau=tau)
    # Lossless PNG, so the page shows exactly the decode.
    (image_slot or st).image(pil, caption=f"x = μ_D(z) by PyTorch: {where}", output_format="PNG", width=pil.width)
    st.markdown("decoded z = `" + json.dumps([round(float(v), 4) for v in z]) + "`")
    st.latex(rf"\log q(z) - \log p(z) = {ratio:.2f}\ \text{{nats}}")
    if index is not None:
        st.caption(f"t-SNE has no inverse, so this decodes μ(x) of the nearest data point (index {index}).")
    elif view.method in ("pca", "dims"):
        st.caption("The other latent directions are set to 0, the prior's mean.")


def decode_label(model) -> int | None:
    """The class y every decode on this page uses for a conditional model (the sidebar's choice), else None."""
    return int(st.session_state.get("map_decode_label", 0)) if model.config.conditional else None


@st.fragment
def prior_split_panel(model_name: str, data_name: str, tau: float) -> None:
    st.subheader(f"Prior samples: in gaps (τ = {tau:g}) and where q(z) is highest")
    st.markdown(f"Draw 4,000 $z \\sim \\mathcal{{N}}(0, I)$; keep the first 16 whose "
                f"$\\log q(z) - \\log p(z) < -{tau:g}$ and the 16 with the highest $\\log q(z)$, and decode both sets.")
    seed = st.session_state.get("split_seed", 0)
    if st.button("Draw again", key="split_redraw", help="Uses the current τ from the sidebar."):
        seed = st.session_state.split_seed = seed + 1
    model = get_model(model_name)
    n_gaps, gaps, dense = lmc.prior_split_pictures(model_name, data_name, tau, seed, decode_label(model))
    left, right = st.columns(2)
    with left:
        if gaps is not None:
            st.image(gaps, caption=f"{n_gaps} prior samples in gaps: log q(z) − log p(z) < −{tau:g}",
                     output_format="PNG")
        else:
            st.info(f"None of 4,000 prior samples fell in a gap at τ = {tau:g}.")
    with right:
        st.image(dense, caption="the 16 of 4,000 prior samples with the highest q(z)", output_format="PNG")


@st.fragment
def manifold_panel(model_name: str, data_name: str, method: str, dims) -> None:
    st.subheader("Manifold grid")
    st.markdown("Decode a $G \\times G$ grid of latents over a box, as in Kingma & Welling's 2-D MNIST manifold.")
    view = lmc.view(model_name, data_name, method, dims)
    if not view.linear:
        st.info("t-SNE has no inverse map, so the grid uses the PCA plane instead.")
        view = lmc.view(model_name, data_name, "pca", dims)
    c1, c2, c3 = st.columns(3)
    g = c1.slider("G", 4, 30, 15, key="manifold_g")
    spacing = c2.radio("Spacing", SPACINGS, key="manifold_spacing", horizontal=True,
                       help="inverse-cdf puts equal prior mass in every cell: z = Φ⁻¹(p) for evenly spaced p.")
    lo, hi = c3.slider("Box (both axes)", -4.0, 4.0, (-2.5, 2.5), 0.1, key="manifold_box")
    if hi <= lo:
        st.error("The box needs its upper edge above its lower edge.")
        return
    if spacing == "inverse-cdf":
        st.latex(r"z_k = \Phi^{-1}(p_k),\quad p_k \text{ evenly spaced in } [\Phi(%.1f), \Phi(%.1f)]" % (lo, hi))
    xs = grid_coordinates(lo, hi, g, spacing)
    basis = tuple(map(tuple, np.asarray(view.basis, dtype=np.float64)))
    model = get_model(model_name)
    picture = lmc.manifold_picture(model_name, basis, tuple(xs.tolist()), decode_label(model),
                                   scale=grid_scale(g, model.config.image_shape[1]))
    st.image(picture, caption=f"{view.axis_titles[0]} left to right, {view.axis_titles[1]} bottom to top",
             output_format="PNG")


def export_panel(figure, model_name: str, data_name: str, mu, logvar, data) -> None:
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in f"{model_name}-{data_name}")[:80]
    box = lazy_folded("Export", "map_export_open")
    with box:
        if not box.open:
            return
        c1, c2 = st.columns(2)
        c1.download_button("Figure as HTML", lambda: plotly.io.to_html(figure, include_plotlyjs=True, validate=False),
                           file_name=f"latent-map-{stem}.html", mime="text/html",
                           key="export_html")
        c2.download_button("Latent codes as CSV", lambda: codes_csv(mu, logvar, data.y, data.class_names),
                           file_name=f"latent-codes-{stem}.csv", mime="text/csv",
                           key="export_csv")
        st.caption("For a PNG, use the camera icon in the map's toolbar. The CSV has index, class, μ and σ "
                   "for every image.")
