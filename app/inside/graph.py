"""The computation graph of the ELBO for one image, left to right in numbered nodes; each node shows its
actual values, its formula in the notes' notation and the vae_core lines that computed it."""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image

from app.common.glossary import explain
from app.inside import figures
from app.inside.compute import source, trace
from vae_core.vae.forward_trace import ForwardTrace

SEED_KEY = "inside_eps_seed"
IMAGE_WIDTH = 150

BERNOULLI = (r"\begin{gathered}\log p(x\mid z) = \textstyle\sum_i \ell_i,\\ \ell_i = x_i\log\mu_{D,i}(z)\\"
             r"+\,(1-x_i)\log\big(1-\mu_{D,i}(z)\big)\end{gathered}")
GAUSSIAN = (r"\begin{gathered}\log p(x\mid z) = \textstyle\sum_i \ell_i,\\ "
            r"\ell_i = -\frac{(x_i-\mu_{D,i}(z))^2}{2\beta^2}\\ - \tfrac12\log(2\pi\beta^2)\end{gathered}")


def vector(v: np.ndarray, digits: int = 3) -> str:
    """(a, b, ...) with a true minus sign, so it reads like the formulas."""
    return "(" + ", ".join(f"{x:.{digits}f}".replace("-", "−") for x in np.asarray(v)) + ")"


def _image(pixels: np.ndarray, shape: tuple) -> Image.Image:
    img = Image.fromarray(np.round(np.clip(pixels.reshape(shape), 0, 1) * 255).astype(np.uint8), mode="L")
    return img.resize((IMAGE_WIDTH, IMAGE_WIDTH * shape[0] // shape[1]), Image.Resampling.NEAREST)


def _node(column, number: int, title: str, formula: str, code_node: str | None):
    box = column.container(border=True)
    box.markdown(f"**{number}. {title}**")
    box.latex(r"\small " + formula)  # small: the longest formulas fit a third of a 1280 px page
    if code_node is not None:
        with box.expander("vae_core source"):
            st.code(source(code_node), language="python")
    return box


def resample_epsilon() -> None:
    st.session_state[SEED_KEY] = st.session_state.get(SEED_KEY, 0) + 1


@st.fragment
def graph(model_name: str, pixels: np.ndarray, caption: str, expected_rec: float | None, expected_label: str) -> None:
    """Reruns alone when "Resample ε" is pressed: only the nodes from ε on change."""
    t: ForwardTrace = trace(model_name, pixels, int(st.session_state.get(SEED_KEY, 0)))
    d, shape = t.mu.size, t.image_shape
    st.caption("Read left to right, then down: the encoder (1–4), the noise and the sample (5–6), the decoder "
               "and the two terms of the ELBO (7–10). Every value is computed for this image now; open "
               "“vae_core source” for the lines that computed it, read from the library as it runs.")

    c = st.columns(3)
    box = _node(c[0], 1, "input x", r"x\in[0,1]^{%d}" % t.x.size, None)
    box.image(_image(t.x, shape), caption=caption, width=IMAGE_WIDTH)
    box = _node(c[1], 2, "encoder q(z|x)", r"(\mu, \log\sigma^2) = \mathrm{Enc}_\phi(x)", "encoder")
    sizes = " → ".join(str(s) for s in t.encoder_sizes)
    box.markdown(f"Layer widths: **{sizes}**  \nReLU between layers; the last {2 * d} outputs split into "
                 f"{d} means μ and {d} log-variances log σ².")
    box = _node(c[2], 3, "μ and log σ²", r"\mu_j,\ \log\sigma_j^2,\quad j=1..%d" % d, "mu_logvar")
    box.plotly_chart(figures.paired_bars(t.mu, t.logvar, ("μ", "log σ²"), ("#1f77b4", "#9467bd")),
                     config=figures.CONFIG, key="inside_mu_bars")
    box.caption(f"μ = {vector(t.mu)}")

    c = st.columns(3)
    box = _node(c[0], 4, "σ", r"\sigma_j = \exp\big(\tfrac12\log\sigma_j^2\big)", "sigma")
    box.plotly_chart(figures.bars(t.sigma, "#9467bd", ".3f"), config=figures.CONFIG, key="inside_sigma")
    box.caption(f"σ = {vector(t.sigma)}")
    box = _node(c[1], 5, "noise ε", r"\varepsilon\sim\mathcal N(0, I)", "eps")
    box.plotly_chart(figures.bars(t.eps, "#7f7f7f"), config=figures.CONFIG, key="inside_eps")
    box.button("Resample ε", key="inside_resample", icon=":material/casino:", on_click=resample_epsilon,
               help="Draw a new ε: z, the decoding, log p(x|z) and the ELBO change; μ, σ and the KL do not.")
    box.caption(f"ε = {vector(t.eps)}")
    box = _node(c[2], 6, "sample z", r"z = \mu + \sigma\odot\varepsilon", "z")
    box.plotly_chart(figures.bars(t.z, "#2ca02c"), config=figures.CONFIG, key="inside_z")
    box.caption(f"z = {vector(t.z)}", help=explain("reparameterisation"))

    c = st.columns(3)
    box = _node(c[0], 7, "decoder mean μ_D(z)", r"\mu_D(z) = \mathrm{sigmoid}\big(\mathrm{Dec}_\theta(z)\big)",
                "decoder")
    box.image(_image(t.x_mean, shape), caption="μ_D(z), the decoded image", width=IMAGE_WIDTH)
    box.caption("Decoder widths: " + " → ".join(str(s) for s in t.decoder_sizes))
    box = _node(c[1], 8, "log p(x|z)", BERNOULLI if t.likelihood == "bernoulli" else GAUSSIAN, "log_px_z")
    box.plotly_chart(figures.pixel_map(-t.log_px_z_per_pixel, shape, "nats lost"), config=figures.CONFIG,
                     key="inside_lost")
    box.caption(f"log p(x|z) = **{t.log_px_z:.2f}** nats for this z; the map shows −ℓ_i per pixel, "
                "where the reconstruction loses nats.")
    box = _node(c[2], 9, "KL per dimension (closed form)",
                r"\footnotesize\mathrm{KL}_j = \tfrac12\big(\mu_j^2 + \sigma_j^2 - \log\sigma_j^2 - 1\big)", "kl")
    box.plotly_chart(figures.bars(t.kl_per_dim, "#ff7f0e", ".3f"), config=figures.CONFIG, key="inside_kl")
    box.caption(f"KL(q(z|x) ‖ p(z)) = Σ_j KL_j = **{t.kl:.3f}** nats; per dimension {vector(t.kl_per_dim)}. "
                "It does not depend on ε.", help=explain("KL term"))

    box = _node(st, 10, "ELBO", r"\mathrm{ELBO}(x) = \mathbb E_{q(z|x)}[\log p(x\mid z)] - "
                r"\mathrm{KL}\big(q(z|x)\,\|\,p(z)\big)", "elbo")
    box.markdown(f"One-sample estimate with this ε: log p(x|z) − KL = {t.log_px_z:.2f} − {t.kl:.2f} = "
                 f"**{t.elbo:.2f}** nats.")
    if expected_rec is not None:
        box.markdown(f"With E_q[log p(x|z)] = {expected_rec:.2f} ({expected_label}): ELBO = "
                     f"**{expected_rec - t.kl:.2f}** nats.")
    box.caption("The single-draw value moves with ε; its average over ε is the ELBO (see the Monte Carlo "
                "section below).", help=explain("ELBO"))
