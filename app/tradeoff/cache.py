"""Cached computations behind the beta^2 trade-off page: the Compare page's, for three fixed models."""

from __future__ import annotations

import streamlit as st

from app.common.cache import get_dataset, get_model, list_models
from app.compare import cache as compare
from vae_core.latent.decoder_variance import TradeoffSummary, tradeoff_summary

MODELS = ("tradeoff-beta2-0.05", "tradeoff-beta2-0.5", "tradeoff-beta2-2")
DATA = "mnist-5k"
SUMMARY_IMAGES = compare.SUMMARY_IMAGES  # the first images of the data set, for the per-model figures


def available() -> list[str]:
    names = set(list_models())
    return [m for m in MODELS if m in names]


@st.cache_data(max_entries=32, show_spinner="Measuring reconstruction error, KL, holes and active units…")
def summary(model_name: str, tau: float) -> TradeoffSummary:
    data = get_dataset(DATA)
    return tradeoff_summary(get_model(model_name), data.x[:SUMMARY_IMAGES], tau=tau, n_samples=10_000, seed=0)


def reconstructions(model_name: str):
    """(originals, mu_D(mu(x))): the first image of each of the ten classes, the same for every model."""
    return compare.reconstructions(model_name, DATA, 10)


def prior_samples(model_name: str, n: int, seed: int):
    return compare.prior_samples(model_name, n, seed)
