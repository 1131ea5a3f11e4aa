"""The true posterior p(z|x) of one image beside q(z|x), with the exact log p(x), the exact gap and the IW
estimate (its SE and ESS): shared by the upload page and the latent map."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from app.common.cache import get_model
from app.common.shared_figure import content_key, shared_figure
from vae_core.latent.exact import ExactPosterior, exact_posterior
from vae_core.vae.iw_stats import LOW_ESS, iw_estimate
from vae_core.vae.pixels import figure_names, model_pixels

IW_K = 1000
FORMULAS = [
    (r"\log p(x) = \log \int p(x\mid z)\,p(z)\,dz \approx \log \sum_i p(x\mid z_i)\,p(z_i)\,\Delta A",
     "exact up to quadrature error (< 0.01 nats): an adaptive grid over where the posterior's mass is; of the "
     "image's seeded binarisation x_b for a model trained on binarised pixels"),
    (r"p(z\mid x) = \frac{p(x\mid z)\,p(z)}{p(x)}", "the true posterior, drawn as contours holding 50%, 90%, 99%"),
    (r"\mathrm{KL}\big(q(z\mid x)\,\|\,p(z\mid x)\big) = \log p(x) - \mathrm{ELBO}(x)",
     "the exact gap; ELBO(x) = E_q[log p(x|z)] - KL(q(z|x) || p(z)), its first term on a grid over q"),
    (r"\log \hat p_K(x) = \log \frac{1}{K}\sum_{k=1}^{K} \frac{p(x\mid z_k)\,p(z_k)}{q(z_k\mid x)},\quad "
     r"\mathrm{ESS} = \frac{(\sum_k w_k)^2}{\sum_k w_k^2},\quad \mathrm{SE} \approx \frac{\operatorname{sd}(w)}"
     r"{\sqrt{K}\,\bar w}", "the importance-weighted estimate (a lower bound on average), K = {k}; "
     f"flagged when ESS < {LOW_ESS:.0f}"),
]


@st.cache_data(max_entries=256, show_spinner="Integrating p(x|z) p(z) over the latent grid…")
def exact_and_iw(model_name: str, pixels: bytes, label: int | None = None) -> tuple[ExactPosterior, dict]:
    """Keyed by the image's bytes: the same image is integrated once for every visitor. The figures are of the
    image's seeded binarisation for a model trained on binarised pixels (vae_core.vae.pixels.model_pixels)."""
    model = get_model(model_name)
    x = model_pixels(model, torch.from_numpy(np.frombuffer(pixels, dtype=np.float32).copy())[None])
    post = exact_posterior(model, x, label)
    gen = torch.random.fork_rng()
    with gen:
        torch.manual_seed(0)
        iw = iw_estimate(model, x, label, k=IW_K)
    return post, {"log_px": iw.log_px[0].item(), "se": iw.se[0].item(), "ess": iw.ess[0].item(), "k": IW_K}


def posterior_figure(post: ExactPosterior, backdrop: np.ndarray | None = None) -> go.Figure:
    """Filled contours of p(z|x) at its 50/90/99% regions, q(z|x)'s 1σ and 2σ ellipses, both means."""
    fig = go.Figure()
    if backdrop is not None:
        fig.add_trace(go.Scattergl(x=backdrop[:, 0], y=backdrop[:, 1], mode="markers", name="training codes",
                                   marker=dict(size=3, color="lightgray"), hoverinfo="skip"))
    dens = np.exp(post.log_density)
    levels = post.mass_levels((0.99, 0.9, 0.5))
    fig.add_trace(go.Contour(x=post.axes[0], y=post.axes[1], z=dens.T, name="p(z|x), true posterior",
                             showlegend=True, showscale=False, colorscale=[[0, "#9ecae1"], [1, "#08306b"]],
                             contours=dict(type="levels", start=levels[0], end=levels[-1],
                                           size=max((levels[-1] - levels[0]) / 2, 1e-12), coloring="lines"),
                             line=dict(width=2.5), hovertemplate="p(z|x)=%{z:.3g}<extra></extra>"))
    t = np.linspace(0, 2 * np.pi, 120)
    for k, dash in ((1, "solid"), (2, "dot")):
        ring = post.q_mean + k * post.q_std * np.column_stack([np.cos(t), np.sin(t)])
        fig.add_trace(go.Scatter(x=ring[:, 0], y=ring[:, 1], mode="lines", name=f"q(z|x), {k}σ",
                                 line=dict(color="crimson", width=2, dash=dash)))
    fig.add_trace(go.Scatter(x=[post.q_mean[0]], y=[post.q_mean[1]], mode="markers", name="mean of q(z|x)",
                             marker=dict(color="crimson", size=9, symbol="x")))
    fig.add_trace(go.Scatter(x=[post.mean[0]], y=[post.mean[1]], mode="markers", name="mean of p(z|x)",
                             marker=dict(color="navy", size=9, symbol="diamond")))
    spread = 4 * np.sqrt(np.diag(post.cov))
    lo = np.minimum(post.mean - spread, post.q_mean - 2.5 * post.q_std)
    hi = np.maximum(post.mean + spread, post.q_mean + 2.5 * post.q_std)
    pad = 0.08 * (hi - lo)
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=30, b=10), legend=dict(font=dict(size=11)),
                      xaxis=dict(title="z₁", range=[lo[0] - pad[0], hi[0] + pad[0]]),
                      yaxis=dict(title="z₂", range=[lo[1] - pad[1], hi[1] + pad[1]], scaleanchor="x"))
    return fig


def posterior_section(model_name: str, pixels: np.ndarray, key: str, label: int | None = None,
                      backdrop: np.ndarray | None = None, page_iw: dict | None = None) -> None:
    """The whole section for one image; a model with a latent above 2-D gets the IW figures only.

    `page_iw` ({"log_px", "k", "ess"}) is the IW figure the page already shows for this image: the section then
    compares the exact value with it instead of showing a second IW estimate beside the first."""
    model = get_model(model_name)
    names = figure_names(model.config)
    x = np.ascontiguousarray(pixels, dtype=np.float32).ravel()
    if model.config.latent_dim > 2:
        torch.manual_seed(0)
        iw = iw_estimate(model, model_pixels(model, torch.from_numpy(x)[None]), label, k=IW_K)
        st.caption(f"{names.log_px} = {iw.summary(0)}. The exact posterior needs a 1-D or 2-D latent; "
                   f"this model's is {model.config.latent_dim}-D, so only the IW estimate is available. "
                   f"{names.note[0].upper()}{names.note[1:]}.")
        return
    post, iw = exact_and_iw(model_name, x.tobytes(), label)
    left, right = st.columns([3, 2])
    with left:
        if model.config.latent_dim == 2:
            # One figure for every visitor looking at the same image: building it was about a fifth of the
            # server's work for a new visitor to the latent map (py-spy).
            figure = shared_figure("exact_posterior", content_key(model_name, x, label, backdrop),
                                   lambda: posterior_figure(post, backdrop))
            st.plotly_chart(figure, key=f"{key}_posterior", config={"displayModeBar": False})
        else:
            fig = go.Figure(go.Scatter(x=post.axes[0], y=np.exp(post.log_density), name="p(z|x)"))
            fig.update_layout(height=300, xaxis_title="z", margin=dict(l=10, r=10, t=30, b=10))
            st.plotly_chart(fig, key=f"{key}_posterior")
    with right:
        st.metric(f"{names.log_px}, exact", f"{post.log_px:.2f} nats")
        st.metric("gap KL(q(z|x) ‖ p(z|x)), exact", f"{post.gap:.2f} nats",
                  help=f"{names.log_px} − ELBO(x); ELBO(x) = {post.elbo:.2f} nats by quadrature")
        if page_iw is not None:
            iw = page_iw
            st.caption(f"The IW estimate above (K = {iw['k']}, ESS {iw['ess']:.0f}) is "
                       f"{post.log_px - iw['log_px']:.2f} nats below this exact value: the error no standard "
                       "error captures.")
        else:
            shortfall = post.log_px - iw["log_px"]
            st.metric(f"{names.log_px}, IW estimate (K = {iw['k']})", f"{iw['log_px']:.2f}",
                      delta=f"{-shortfall:+.2f} vs exact", delta_color="off",
                      help=f"A lower bound on average. Its Monte Carlo SE, {iw['se']:.2f}, measures only how much "
                           "a rerun moves it; its real error is the distance from the exact value beside it.")
            st.caption(f"Effective sample size of the weights: {iw['ess']:.0f} of {iw['k']}. The IW figure is a "
                       "lower bound whose error its standard error does not capture: the exact value shows that "
                       "error.")
        if page_iw is None and iw["ess"] < LOW_ESS:
            st.warning(f"ESS below {LOW_ESS:.0f}: a few samples of q(z|x) carry the estimate, which misses part "
                       "of the posterior; it is unreliable, usually too low by more than its SE "
                       "(sometimes too high, by a lucky draw).")
    st.caption("q(z|x) (red) is the Gaussian the encoder fits inside the true posterior p(z|x) (blue), which is "
               f"not Gaussian: the gap is the KL between them, in nats. {names.note[0].upper()}{names.note[1:]}.")
    with st.expander("How these are computed", expanded=False):
        for tex, words in FORMULAS:
            st.latex(tex)
            st.caption(words.replace("{k}", str(iw["k"])))
