"""Process-wide caches, so a rerun after a widget change reuses models and data."""

from __future__ import annotations

import streamlit as st

import vae_core
from vae_core.data.datasets import Dataset


@st.cache_resource(show_spinner="Loading model…")
def get_model(name: str) -> vae_core.VAE:
    return vae_core.load_model(name)


@st.cache_resource(show_spinner="Loading data set…")
def get_dataset(name: str, split: str = "train") -> Dataset:
    # A resource, not cache_data: the arrays are read-only and tens of MB,
    # and cache_data would copy them on every rerun.
    return vae_core.load_dataset(name, split)


@st.cache_data(show_spinner=False, ttl=30, max_entries=1)
def list_models() -> list[str]:
    # Shipped models, then the user models folder ("user:<name>"). The training page
    # clears this cache when a run saves, so a new model is pickable at once; the ttl
    # catches models another process (the CLI) wrote.
    return vae_core.list_models()
