"""Cached computations behind the beta^2 trade-off page: shared by every visitor."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from app.common.cache import get_dataset, get_model, list_models
from app.latent_map import cache as lmc
from vae_core.latent.aggregate import auto_box, grid_axes
from vae_core.latent.decoder_variance import TradeoffSummary, tradeoff_summary

MODELS = ("tradeoff-beta2-0.05", "tradeoff-beta2-0.5", "tradeoff-beta2-2")
DATA = "mnist-5k"
SUMMARY_IMAGES = 2000  # the first images of the data set, for the per-model figures
GRID = 150


def available() -> list[str]:
    names = set(list_models())
    return [m for m in MODELS if m in names]


@st.cache_data(max_entries=8, show_spinner="Evaluating the model's q(z) on its plane…")
def density(model_name: str):
    """log q(z) - log p(z) of the model on a grid fitted to its own codes (and the prior's 3 sigma): one box for
    all three left the small-beta^2 model's spread (about +-15) on the others' axes, mostly empty."""
    view = lmc.view(model_name, DATA, "pca", (0, 1))
    lo, hi = auto_box(view.coords)
    xs, ys = grid_axes(lo, hi, GRID)
    log_q, log_p = view.log_density_grid(xs, ys)
    return xs, ys, log_q - log_p


@st.cache_data(max_entries=32, show_spinner="Measuring reconstruction error, KL, holes and active units…")
def summary(model_name: str, tau: float) -> TradeoffSummary:
    data = get_dataset(DATA)
    return tradeoff_summary(get_model(model_name), data.x[:SUMMARY_IMAGES], tau=tau, n_samples=10_000, seed=0)


@st.cache_data(max_entries=8, show_spinner=False)
def reconstructions(model_name: str) -> tuple[np.ndarray, np.ndarray]:
    """(originals, mu_D(mu(x))) of the same images for every model."""
    data, model = get_dataset(DATA), get_model(model_name)
    shown = np.unique(np.asarray(data.y), return_index=True)[1]  # the first image of each class
    x = torch.from_numpy(np.asarray(data.x[shown], np.float32))
    with torch.no_grad():
        mu, _ = model.encode(x)
        return x.numpy(), model.decode(mu).numpy()


@st.cache_data(max_entries=16, show_spinner=False)
def prior_samples(model_name: str, n: int, seed: int) -> np.ndarray:
    """mu_D(z) for z ~ N(0, I); the same z for every model (same seed, same latent size)."""
    model = get_model(model_name)
    z = np.random.default_rng(seed).standard_normal((n, model.config.latent_dim)).astype(np.float32)
    with torch.no_grad():
        return model.decode(torch.from_numpy(z)).numpy()
