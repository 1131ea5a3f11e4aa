"""The trade-off page's columns: one per beta^2 model, every figure on the same footing."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.common.cache import get_dataset, get_model
from app.common.chart_view import KeptView, keep_chart_views
from app.common.glossary import explain
from app.common.palette import LOG_RATIO_RANGE
from app.common.ui import image_grid
from app.compare.maps import map_for as compare_map
from app.tradeoff.cache import DATA, SUMMARY_IMAGES, prior_samples, reconstructions, summary

INTRO = (
    "The three VAEs have a 2-D latent and a Gaussian decoder $p_D(x\\mid z) = \\mathcal N(\\mu_D(z), \\beta^2 I)$, "
    "trained by the same recipe on the same images; only the decoder variance $\\beta^2$ differs: 0.05, 0.5 and 2. "
    "Maximising the ELBO balances reconstruction against fidelity to the prior, and $\\beta^2$ sets the exchange "
    "rate: from each model to the next, on the same 2,000 images, the reconstruction error rises and the average KL "
    "falls, each by many standard errors (the figures carry theirs). Below β² ≈ 0.05 the 2-D code itself is "
    "the bottleneck: models at β² = 0.02 and 0.2 reconstructed equally well (29.6 and 29.1 ± 0.35), so a smaller "
    "β² there only spends more KL without sharpening anything.")

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
     "(posterior collapse in the limit). Small β²: sharper reconstructions, codes spread out and leave holes — "
     "until the latent's own capacity limits the reconstruction."),
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
    data = get_dataset(DATA)
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
            st.subheader(f"β² = {beta2:.3g}", help=explain("β²"))
            st.caption(f"{name}: Gaussian decoder variance β² = {beta2:.3g} (decoder σ = β = {model.config.beta:.3g})")
            st.plotly_chart(map_for(name, tau, data), key=f"tradeoff_map_{name}", config={"displayModeBar": False})
            metrics(name, tau)
            shape = model.config.image_shape
            originals, recon = reconstructions(name)
            image_grid(np.concatenate([originals, recon]).reshape(-1, *shape), cols=len(originals), scale=2,
                       caption="top: data x, the first of each class; bottom: reconstructions μ_D(μ(x))")
            samples = prior_samples(name, 20, 0)
            image_grid(samples.reshape(-1, *shape), cols=10, scale=2,
                       caption="prior samples μ_D(z), z ~ N(0, I), the same z in every column")
    low, top = LOG_RATIO_RANGE
    st.caption(f"Each map: the encoder means of the first {SUMMARY_IMAGES:,} images by class, over log q(z) − log p(z) "
               f"in blue, one scale on all three maps and every page: white at {low:g} nats or below, darkest at "
               f"{top:+g}; shaded: gaps, where it is below −τ; dotted: the prior's 1, 2, 3 σ circles. Each map's axes "
               "fit its own codes, so the circles give the scale: the smallest β²'s codes spread far beyond them.")


def map_for(name: str, tau: float, data):
    """The Compare page's map of one model (its own box, the shared colour range, no colour bar)."""
    return compare_map(name, DATA, tau, f"tradeoff-{name}")


def metrics(name: str, tau: float) -> None:
    """One figure a row: two side by side in a third of the page cut their labels off at 1280 px."""
    s = summary(name, tau)
    st.metric("Reconstruction error", f"{s.squared_error:.2f}",
              help=f"mean over {s.n:,} images of ||x − μ_D(z)||², z ~ q(z|x); pixels in [0, 1]. "
                   + explain("reconstruction term"))
    st.caption(f"± {s.squared_error_se:.2f} (one standard error over the images)")
    st.metric("Average KL (nats)", f"{s.average_kl:.2f}",
              help="(1/N) Σ KL(q(z|xᵢ) ‖ p(z)), closed form. " + explain("KL term"))
    st.caption(f"± {s.average_kl_se:.2f} (one standard error over the images)")
    st.metric(f"Prior-hole mass, τ = {tau:g}", f"{100 * s.prior_hole_mass:.1f}%",
              help="share of 10,000 prior draws where log q(z) − log p(z) < −τ. " + explain("prior-hole mass"))
    st.caption(f"± {100 * s.prior_hole_se:.2f}% (one standard error)")
    st.metric("Active units", f"{s.active_units} of {s.latent_dim}",
              help="Var_x(μ_u(x)) > 0.01. " + explain("active unit"))
    st.caption(f"−E_q log p(x|z) = {s.reconstruction_nll:.1f} nats" + (
        ": negative because p(x|z) is a density, and a Gaussian density with a small variance exceeds 1 near its "
        f"mean (its peak is (2πβ²)^(−D/2), here e^{peak_log_density(s.beta2):.0f} for D = 784)"
        if s.reconstruction_nll < 0 else ""))


def peak_log_density(beta2: float, pixels: int = 784) -> float:
    """log of the Gaussian decoder's peak density, -D/2 log(2 pi beta^2), in nats."""
    return -0.5 * pixels * float(np.log(2 * np.pi * beta2))


def explanation() -> None:
    st.markdown("**Two knobs, not one.** The *decoder variance β²* is part of the model p_D(x|z) = N(μ_D(z), β²I); "
                "the *β-VAE KL weight λ* changes the objective. The models here turn only the first.",
                help=explain("KL weight λ"))
    st.markdown(INTRO)
    for tex, words in WHY:
        st.latex(tex)
        st.caption(words)


def metric_formulas() -> None:
    st.caption(f"Every figure is measured on the first {SUMMARY_IMAGES:,} images of {DATA}; q(z) is the exact "
               "mixture of the encoder's Gaussians over all of them.")
    for tex, words in METRIC_FORMULAS:
        st.latex(tex)
        st.caption(words)
