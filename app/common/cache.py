"""Process-wide caches, so a rerun after a widget change reuses models and data.

Both are bounded: at most MAX_DATASETS data sets (each at most ~256 MB of float32 by the readers' limits)
and MAX_MODELS models (each at most vae_core.vae.config.MAX_PARAMETERS float32 weights), least recently
used first out. Data set keys are canonical specs, so ten spellings of one folder are one entry.
"""

from __future__ import annotations

import os

import streamlit as st

import vae_core
from app.common.data_roots import allowed_roots, visitor_spec
from vae_core.data.datasets import Dataset
from vae_core.vae.user_models import user_models_dir

MAX_DATASETS = 4
MAX_MODELS = 8


@st.cache_resource(show_spinner="Loading model…", max_entries=MAX_MODELS)
def get_model(name: str) -> vae_core.VAE:
    return vae_core.load_model(name)


def get_dataset(name: str, split: str = "train") -> Dataset:
    """A data set a web visitor may load (named, or inside the configured data roots)."""
    return _load_dataset(visitor_spec(name), split, allowed_roots())


@st.cache_resource(show_spinner="Loading data set…", max_entries=MAX_DATASETS)
def _load_dataset(spec: str, split: str, roots: tuple) -> Dataset:
    # A resource, not cache_data: the arrays are read-only and tens of MB,
    # and cache_data would copy them on every rerun.
    return vae_core.load_dataset(spec, split, roots=roots)


def list_models() -> list[str]:
    """Shipped models, then the user models folder ("user:<name>"), listed again whenever the folder changes:
    a model saved by this server, another replica sharing the folder, or the CLI is pickable at the next rerun."""
    return _list_models(_models_folder_stamp())


def _models_folder_stamp() -> tuple:
    # A model lands by renames into the folder or into its own subfolder, which change those folders' mtimes;
    # a few dozen stats per rerun instead of reading every sidecar.
    root = user_models_dir()
    try:
        with os.scandir(root) as entries:
            subfolders = [e.stat().st_mtime_ns for e in entries if e.is_dir(follow_symlinks=False)]
        return root.stat().st_mtime_ns, len(subfolders), max(subfolders, default=0)
    except OSError:
        return ()


@st.cache_data(show_spinner=False, ttl=30, max_entries=4)
def _list_models(stamp: tuple) -> list[str]:
    return vae_core.list_models()


list_models.clear = _list_models.clear  # the pages that save a model clear it too
