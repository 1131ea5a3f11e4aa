"""The page's two measured sections: the Monte Carlo estimate of E_q[log p(x|z)] converging as M grows,
and the reparameterisation and score-function gradient estimators side by side."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.common.glossary import explain
from app.common.layout import folded
from app.common.link_state import linked_slider
from app.inside import figures
from app.inside.compute import GRADIENT_REPEATS, MC_DRAWS, gradient_curve, monte_carlo
from vae_core.vae.gradient_estimators import ESTIMATORS, LABELS
from vae_core.vae.monte_carlo import Reference

MC_FORMULA = (r"\mathbb E_{q(z|x)}[\log p(x\mid z)] \approx \frac1M\sum_{m=1}^M \log p(x\mid z_m),\quad "
              r"z_m = \mu + \sigma\odot\varepsilon_m,\quad \mathrm{SE}_M = \frac{s_M}{\sqrt M}")
GRADIENT_FORMULAS = [
    (r"\text{reparameterisation: } z_m = \mu + \sigma\odot\varepsilon_m,\quad "
     r"\hat g_\mu = \frac1M\sum_{m}\nabla_z\log p(x\mid z_m)"),
    (r"\hat g_{\log\sigma^2} = \frac1M\sum_m \nabla_z\log p(x\mid z_m)\odot\varepsilon_m\odot\tfrac{\sigma}{2}"),
    (r"\text{score function: } \hat g = \frac1M\sum_m \big(\log p(x\mid z_m) - b\big)\,"
     r"\nabla_{\mu,\log\sigma^2}\log q(z_m\mid x)"),
    (r"\nabla_\mu\log q(z_m\mid x) = \frac{\varepsilon_m}{\sigma},\qquad "
     r"\nabla_{\log\sigma^2}\log q(z_m\mid x) = \tfrac12(\varepsilon_m^2-1)"),
    (r"\text{baseline (control variate): } b = \log p(x\mid z=\mu)"
     r"\ \text{(free of } \varepsilon\text{, so still unbiased); } b = 0 \text{ without it}"),
    (r"\text{total variance} = \sum_{c=1}^{2d}\widehat{\mathrm{Var}}\big[\hat g_c\big]"
     r"\ \text{ over %d independent estimates}" % GRADIENT_REPEATS),
]


@st.fragment
def monte_carlo_section(model_name: str, pixels: np.ndarray, ref: Reference) -> None:
    st.header("The Monte Carlo estimate of the reconstruction term", help=explain("reconstruction term"))
    m = linked_slider(st, "M, the number of draws", 1, MC_DRAWS, 100, key="inside_mc_m", name="m",
                      help="How many codes z_m ~ q(z|x) the estimate averages; its standard error falls like 1/√M.")
    run = monte_carlo(model_name, pixels)
    left, right = st.columns([3, 1])
    label = "exact (quadrature)" if ref.exact else "large-M reference (not exact)"
    left.plotly_chart(figures.monte_carlo_figure(run.running_mean[:m], run.standard_error[:m], ref.value, label),
                      config=figures.CONFIG, key="inside_mc_chart")
    se = run.standard_error[m - 1]
    right.metric(f"estimate at M = {m}", f"{run.running_mean[m - 1]:.3f}",
                 help="nats; the mean of M draws of log p(x|z) with z ~ q(z|x)")
    right.markdown("standard error: " + ("undefined at M = 1" if not np.isfinite(se) else f"**{se:.3f}** nats"))
    right.markdown(f"{label}: **{ref.value:.3f}** nats")
    right.caption(ref.method + ". The draws are fixed, so moving M extends one run; the band is ±2 SE.",
                  help=explain("Gauss-Hermite") if ref.exact else None)
    with folded("The mathematics: the Monte Carlo estimate and its standard error"):
        st.latex(MC_FORMULA)


def gradient_section(model_name: str, pixels: np.ndarray, latent_dim: int) -> None:
    st.header("Gradient estimators, measured")
    st.markdown("Training moves the encoder's outputs μ and log σ² along the gradient of "
                r"$\mathbb E_{q(z|x)}[\log p(x\mid z)]$. Both estimators below are unbiased; "
                "**the reparameterisation trick matters because it carries the decoder's own gradient back "
                "through z, so its estimates are far less noisy, and the encoder learns from few samples.**")
    with folded("The mathematics: the two gradient estimators and the baseline"):
        for tex in GRADIENT_FORMULAS:
            st.latex(tex)
    if not st.toggle(f"Measure both on this image ({GRADIENT_REPEATS} repeats of each M up to 1,000, one decoder "
                     "batch)", key="inside_grad_on"):
        st.caption("Off until asked for: about a second of computation per image, then cached for everyone.")
        return
    gradient_figures(model_name, pixels, latent_dim)


@st.fragment
def gradient_figures(model_name: str, pixels: np.ndarray, latent_dim: int) -> None:
    curve = gradient_curve(model_name, pixels)
    names = [f"∂/∂μ{j + 1}" for j in range(latent_dim)] + [f"∂/∂log σ²{j + 1}" for j in range(latent_dim)]
    left, right = st.columns(2)
    with left:
        st.subheader("Spread over repeated draws")
        a, b = st.columns(2)
        m = a.select_slider("M per estimate", list(curve.ms), 10, key="inside_grad_m")
        comp = b.selectbox("Component", range(len(names)), format_func=names.__getitem__, key="inside_grad_comp")
        i = int(np.searchsorted(curve.ms, m))
        estimates = {name: curve.estimates[name][i] for name in ESTIMATORS}
        st.plotly_chart(figures.spread_figure(estimates, comp, names[comp]), config=figures.CONFIG,
                        key="inside_grad_spread")
        rows = []
        for name in ESTIMATORS:
            est = estimates[name][:, comp]
            rows.append(f"{LABELS[name]}: mean {est.mean():.3f} ± {est.std(ddof=1) / np.sqrt(est.size):.3f} (SE), "
                        f"sd {est.std(ddof=1):.3f}")
        st.caption(f"{GRADIENT_REPEATS} estimates of {names[comp]} E_q[log p(x|z)], each from M = {m} draws. "
                   + "; ".join(rows) + ".")
    with right:
        st.subheader("Variance against M")
        st.plotly_chart(figures.variance_figure(curve.ms, curve.variances), config=figures.CONFIG,
                        key="inside_grad_var")
    ratio = curve.ratio()
    st.subheader("The ratio of the variances")
    a, b = st.columns([3, 1])
    a.plotly_chart(figures.ratio_figure(curve.ms, {
        "score_function": ("score function ÷ reparameterisation", ratio),
        "score_function_baseline": ("score function with baseline ÷ reparameterisation",
                                    curve.ratio("score_function_baseline"))}), config=figures.CONFIG,
        key="inside_grad_ratio")
    # A short label: the long one ("..., score function ÷ reparameterisation") was cut at 1280 px.
    b.metric("median variance ratio", f"{np.median(ratio):,.0f}×",
             help="Score function ÷ reparameterisation, the median over the M values measured; the ratio hardly "
                  "depends on M, since both variances fall as 1/M.")
    b.metric("with the baseline", f"{np.median(curve.ratio('score_function_baseline')):,.1f}×")
    b.caption("Both measured on this image and model, from the same draws of ε.")
