"""The trade-off page's columns: one per beta^2 model, every figure on the same footing."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.common.cache import get_dataset, get_model
from app.common.chart_view import KeptView, keep_chart_views
from app.common.ui import image_grid
from app.latent_map import cache as lmc
from app.latent_map.chart import class_traces, density_traces, map_figure, prior_circles
from app.tradeoff.cache import DATA, SUMMARY_IMAGES, densities, prior_samples, reconstructions, summary

# Each line: what the formula says, then why, in the lecture notes' notation.
WHY = [
    (r"-\log p_D(x\mid z) = \frac{\lVert x - \mu_D(z)\rVert^2}{2\beta^2} + \frac{D}{2}\log(2\pi\beta^2)",
     "A Gaussian decoder N(μ_D(z), β²I) turns the reconstruction term into a squared error divided by 2β²."),
    (r"\beta^2\,\mathrm{ELBO}(x) = -\tfrac12\,\mathbb{E}_q\lVert x - \mu_D(z)\rVert^2 - "
     r"\beta^2\,\mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big) + \text{const}",
     "Multiplying the ELBO by β² (which does not move its maximiser) leaves the squared error with weight ½ "
     "and puts β² on the KL term: β² acts as a KL weight."),
    (r"\mathcal{L}_{\beta\text{-VAE}}(x) = \mathbb{E}_q[\log p_D(x\mid z)] - \lambda\,"
     r"\mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big)",
     "The other knob: a β-VAE multiplies the KL term by a weight λ (called β in that paper) and leaves the "
     "decoder alone; with a Gaussian decoder, λ = 2 plays the same role as doubling β²."),
    (r"\beta^2 \uparrow\ \Rightarrow\ q(z\mid x) \to p(z),\qquad \beta^2 \downarrow\ \Rightarrow\ "
     r"\text{reconstruction dominates}",
     "Large β²: reconstruction barely matters, codes shrink onto the prior, images blur towards the mean digit "
     "(posterior collapse in the limit). Small β²: sharper reconstructions, codes spread out and leave holes."),
]

METRIC_FORMULAS = [
    (r"\overline{\lVert x - \mu_D(z)\rVert^2} = \frac1N\sum_i \lVert x_i - \mu_D(z_i)\rVert^2,\ "
     r"z_i \sim q(z\mid x_i)", "average reconstruction error, one draw per image (comparable across β²)"),
    (r"\overline{\mathrm{KL}} = \frac1N\sum_i \tfrac12\sum_j"
     r"\big(\mu_{ij}^2 + \sigma_{ij}^2 - \log\sigma_{ij}^2 - 1\big)",
     "average KL term of the ELBO, closed form"),
    (r"P_{z\sim p}\big(\log q(z) - \log p(z) < -\tau\big)", "prior-hole mass, Monte Carlo over 10,000 prior draws"),
    (r"A = \#\{u : \mathrm{Var}_x\big(\mathbb{E}_{q(z\mid x)}[z_u]\big) > 0.01\}", "active units (Burda et al., 2016)"),
]


def columns(models: list[str], tau: float) -> None:
    xs, ys, grids = densities(tuple(models))
    data = get_dataset(DATA)
    box = ((float(xs[0]), float(ys[0])), (float(xs[-1]), float(ys[-1])))
    # Moving tau redraws every map: each keeps its pan/zoom (the maps have no legend). In the sidebar, whose last
    # row gap shows nowhere (in the main column it added an empty 16 px row); it finds the charts page-wide.
    with st.sidebar:
        keep_chart_views([KeptView(f"tradeoff-{name}", zoom=f"tradeoff:{name}") for name in models],
                         key="tradeoff_view_kept")
    cols = st.columns(len(models))
    for col, name in zip(cols, models):
        model = get_model(name)
        beta2 = float(model.config.beta) ** 2
        with col:
            st.subheader(f"β² = {beta2:.3g}")
            st.caption(f"{name}: Gaussian decoder variance β² = {beta2:.3g} (decoder σ = β = {model.config.beta:.3g})")
            log_q, log_p = grids[name]
            view = lmc.view(name, DATA, "pca", (0, 1))
            log_ratio = log_q - log_p  # the latent map's quantity: gaps are where it is below -tau
            traces = density_traces(xs, ys, log_ratio, log_ratio < -tau, 2) + \
                class_traces(view.coords, np.asarray(data.y), data.class_names) + prior_circles()
            fig = map_figure(traces, view.axis_titles, box, height=380)
            fig.layout.showlegend = False
            fig.layout.meta = f"tradeoff-{name}"
            st.plotly_chart(fig, key=f"tradeoff_map_{name}", config={"displayModeBar": False})
            metrics(name, tau)
            shape = model.config.image_shape
            originals, recon = reconstructions(name)
            image_grid(np.concatenate([originals, recon]).reshape(-1, *shape), cols=len(originals), scale=2,
                       caption="top: data x, the first of each class; bottom: reconstructions μ_D(μ(x))")
            samples = prior_samples(name, 20, 0)
            image_grid(samples.reshape(-1, *shape), cols=10, scale=2,
                       caption="prior samples μ_D(z), z ~ N(0, I), the same z in every column")


def metrics(name: str, tau: float) -> None:
    s = summary(name, tau)
    a, b = st.columns(2)
    a.metric("Reconstruction error", f"{s.squared_error:.1f}",
             help=f"mean over {s.n:,} images of ||x − μ_D(z)||², z ~ q(z|x); pixels in [0, 1]")
    b.metric("Average KL (nats)", f"{s.average_kl:.2f}", help="(1/N) Σ KL(q(z|xᵢ) ‖ p(z)), closed form")
    a, b = st.columns(2)
    a.metric(f"Prior-hole mass, τ = {tau:g}", f"{100 * s.prior_hole_mass:.1f}%",
             help="share of 10,000 prior draws where log q(z) − log p(z) < −τ")
    a.caption(f"± {100 * s.prior_hole_se:.2f}% (one standard error)")
    b.metric("Active units", f"{s.active_units} of {s.latent_dim}", help="Var_x(μ_u(x)) > 0.01")
    b.caption(f"−E_q log p(x|z) = {s.reconstruction_nll:.1f} nats")


def explanation() -> None:
    st.markdown("**Two knobs, not one.** The *decoder variance β²* is part of the model p_D(x|z) = N(μ_D(z), β²I); "
                "the *β-VAE KL weight λ* changes the objective. The models here turn only the first.")
    for tex, words in WHY:
        st.latex(tex)
        st.caption(words)


def metric_formulas() -> None:
    st.caption(f"Every figure is measured on the first {SUMMARY_IMAGES:,} images of {DATA}; q(z) is the exact "
               "mixture of the encoder's Gaussians over all of them.")
    for tex, words in METRIC_FORMULAS:
        st.latex(tex)
        st.caption(words)
