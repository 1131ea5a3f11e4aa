"""Cached per-model quantities for the traversal page: encodings, KL order, browser weights."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.common.cache import get_dataset, get_model
from app.common.palette import CLASS_COLOURS
from vae_core.latent.aggregate import encode_dataset
from vae_core.latent.browser_decoder import decoder_blob
from vae_core.latent.traversal import average_kl

MAP_POINTS = 1500  # enough to show the clusters, small enough to send with the component


def data_name(model_name: str) -> str | None:
    return get_model(model_name).card.get("data", {}).get("name")


@st.cache_data(show_spinner="Encoding the data set…", max_entries=8)
def encodings(model_name: str) -> tuple[np.ndarray, np.ndarray]:
    """mu and log sigma^2 of every training image under this model."""
    model, data = get_model(model_name), get_dataset(data_name(model_name))
    return encode_dataset(model, data.x, data.y)


@st.cache_data(show_spinner=False, max_entries=8)
def kl_per_dimension(model_name: str) -> np.ndarray | None:
    """Average KL per dimension over the training set; None when the checkpoint names no data set."""
    if not data_name(model_name):
        return None
    return average_kl(*encodings(model_name))


@st.cache_resource(show_spinner=False, max_entries=8)
def browser_weights(model_name: str) -> tuple[str, bytes]:
    """(id, blob): a resource, not cache_data, so the ~2 MB blob is never copied per rerun."""
    return decoder_blob(get_model(model_name))


@st.cache_data(show_spinner=False, max_entries=8)
def map_points(model_name: str) -> dict | None:
    """A fixed subsample of 2-D encoder means and their classes, for the live position marker."""
    if get_model(model_name).config.latent_dim != 2 or not data_name(model_name):
        return None
    mu, _ = encodings(model_name)
    if mu.shape[1] != 2:
        return None
    labels = get_dataset(data_name(model_name)).y
    idx = np.random.default_rng(0).permutation(len(mu))[:MAP_POINTS]
    return {"x": np.round(mu[idx, 0], 3).tolist(), "y": np.round(mu[idx, 1], 3).tolist(),
            "c": [int(v) % len(CLASS_COLOURS) for v in labels[idx]], "colors": list(CLASS_COLOURS)}
