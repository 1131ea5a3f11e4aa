"""The 1-D page's sidebar: the data (a mixture to sample or an uploaded CSV), the GMM's EM settings and
the VAE's, whose widgets stop at what a shared server affords."""

from __future__ import annotations

import streamlit as st

from app.common.link_state import held, linked_choice, linked_number, number_in, prepare, publish, short_number
from app.one_d.cache import sampled_data, uploaded_data
from vae_core.oned import data1d, gmm1d, vae1d

DEFAULT = data1d.DEFAULT_MIXTURE
# The widgets' largest VAE: 5,000 steps at width 128, under a tenth of the old maximum (50,000 steps at
# width 256, about 7 minutes of one core per click); results are shared, so a class pays for each once.
MAX_VAE_STEPS = 5_000
MAX_VAE_HIDDEN = 128


def data_controls():
    """Returns (train, test, truth spec or None, warnings)."""
    side = st.sidebar
    side.header("Data")
    source = linked_choice(side.radio, "Source", ["Mixture", "Upload CSV"], "Mixture", key="source", horizontal=True)
    prepare("test_fraction", "test", number_in(0.1, 0.9, 0.05), 0.5)
    test_fraction = side.slider("Test fraction", 0.1, 0.9, step=0.05, key="test_fraction", **held("test_fraction"))
    publish("test", test_fraction, 0.5, short_number, key="test_fraction")
    seed = int(linked_number(side, "Seed", 0, 1_000_000, 0, key="seed"))
    if source == "Upload CSV":
        upload = side.file_uploader("CSV with one numeric column (header optional)", type=["csv", "txt"],
                                    key="upload")
        if upload is None:
            st.info("Upload a CSV file with one numeric column to fit, or switch the source to Mixture.")
            st.stop()
        train, test, warnings = uploaded_data(upload.getvalue(), upload.name, test_fraction, seed)
        return train, test, None, warnings
    n = int(linked_number(side, "Sample size (train + test)", 20, 200_000, 4000, key="n", step=1000))
    n_comp = int(linked_number(side, "Components of the truth", 1, 6, DEFAULT.n_components, key="n_true"))
    weights, means, variances = [], [], []
    for k in range(n_comp):
        c1, c2, c3 = side.columns(3)
        has_default = k < DEFAULT.n_components
        weights.append(linked_number(c1, f"w{k + 1}", 0.0, 100.0, DEFAULT.weights[k] if has_default else 0.2,
                                     key=f"w{k}"))
        means.append(linked_number(c2, f"μ{k + 1}", -1e4, 1e4, DEFAULT.means[k] if has_default else 0.0,
                                   key=f"m{k}"))
        variances.append(linked_number(c3, f"σ²{k + 1}", 1e-4, 1e6, DEFAULT.variances[k] if has_default else 1.0,
                                       key=f"v{k}"))
    spec = data1d.MixtureSpec(tuple(weights), tuple(means), tuple(variances))
    train, test = sampled_data(spec.weights, spec.means, spec.variances, n, test_fraction, seed)
    return train, test, spec, []


def gmm_controls():
    side = st.sidebar
    side.header("GMM (EM)")
    return dict(k=int(linked_number(side, "K", 1, gmm1d.MAX_COMPONENTS, 3, key="k")),
                init=linked_choice(side.selectbox, "Initialisation", gmm1d.INIT_METHODS, gmm1d.INIT_METHODS[0],
                                   key="init"),
                n_init=int(linked_number(side, "Restarts (n_init)", 1, 20, 1, key="n_init")),
                var_floor=float(linked_number(side, "Variance floor", 1e-9, 10.0, 1e-6, key="floor", format="%.1e")),
                tol=float(linked_number(side, "tol", 0.0, 1.0, 1e-8, key="tol", format="%.1e")),
                max_iter=int(linked_number(side, "max_iter", 1, 100_000, 10_000, key="max_iter")))


def vae_controls(seed: int) -> vae1d.VAE1DConfig:
    side = st.sidebar
    side.header("VAE")
    return vae1d.VAE1DConfig(
        latent_dim=int(linked_choice(side.radio, "Latent dimension", [1, 2], 1, key="latent_dim", horizontal=True)),
        sigma_mode=linked_choice(side.radio, "Decoder σ", vae1d.SIGMA_MODES, vae1d.SIGMA_MODES[0], key="sigma_mode",
                                 horizontal=True, format_func=lambda m: "constant" if m == "constant" else "σ(z)"),
        steps=int(linked_number(side, "Training steps", 10, MAX_VAE_STEPS, 2000, key="vae_steps", step=500)),
        hidden=int(linked_number(side, "Hidden width", 4, MAX_VAE_HIDDEN, 64, key="hidden")), seed=seed)
