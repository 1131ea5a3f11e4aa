"""Cached computations behind the Compare page: shared by every visitor, keyed by model and tau.

The maps reuse the latent map's cached encodings, so a model already open on the latent map costs nothing more."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from app.common.cache import get_dataset, get_model
from app.latent_map import cache as lmc
from vae_core.data.binarize import binarize
from vae_core.errors import ConfigError
from vae_core.latent.comparison import ModelSummary, model_summary

SUMMARY_IMAGES = 2000  # the first images of the data set, the same for every model
SHOWN_IMAGES = 8
GRID = 150
METHOD = "pca"  # one rule for every model: a 2-D latent as it is, a larger one on its own first two PCs
DATA_BY_SHAPE = {(28, 28): "mnist-5k", (8, 8): "digits"}


def comparison_data(models: list[str]) -> str:
    """The one data set all the models are measured on: they must take images of one size."""
    shapes = {tuple(get_model(m).config["image_shape"]) for m in models}
    if len(shapes) > 1:
        sizes = " and ".join(sorted(f"{h}×{w}" for h, w in shapes))
        raise ConfigError(f"these models take images of different sizes ({sizes}): pick models of one size")
    shape = shapes.pop()
    if shape in DATA_BY_SHAPE:
        return DATA_BY_SHAPE[shape]
    trained_on = get_model(models[0]).card.get("data", {}).get("name")
    if not trained_on:
        raise ConfigError(f"no data set of {shape[0]}×{shape[1]} images is known to compare these models on")
    return trained_on


def scored_images(model, x: np.ndarray) -> np.ndarray:
    """The images as the model scores them: a binarised Bernoulli model sees a seeded binarisation (seed 0, as
    its card's test figures), the others the grey images."""
    return binarize(x, seed=0) if model.config.get("binarized") else x


def density(model_name: str, data_name: str):
    """log q(z) - log p(z) of the model on a grid fitted to its own codes (and the prior's 3 sigma): the latent
    map's own cached grid, so a model already open there is not computed again."""
    return lmc.density(model_name, data_name, METHOD, (0, 1), grid=GRID)


@st.cache_data(max_entries=32, show_spinner="Measuring ELBO, reconstruction, KL, holes and active units…")
def summary(model_name: str, data_name: str, tau: float) -> ModelSummary:
    data, model = get_dataset(data_name), get_model(model_name)
    x = np.asarray(data.x[:SUMMARY_IMAGES], np.float32).reshape(min(SUMMARY_IMAGES, len(data.x)), -1)
    y = np.asarray(data.y[:SUMMARY_IMAGES])
    return model_summary(model, scored_images(model, x), y, tau=tau, n_samples=10_000, seed=0)


def shown_indices(data_name: str, count: int = SHOWN_IMAGES) -> np.ndarray:
    """The first image of each of the first `count` classes: the same images in every column."""
    y = np.asarray(get_dataset(data_name).y)
    return np.sort(np.unique(y, return_index=True)[1])[:count]


@st.cache_data(max_entries=16, show_spinner=False)
def reconstructions(model_name: str, data_name: str, count: int = SHOWN_IMAGES) -> tuple[np.ndarray, np.ndarray]:
    """(originals, mu_D(mu(x))) of the same grey images for every model (a conditional one given their labels)."""
    data, model = get_dataset(data_name), get_model(model_name)
    shown = shown_indices(data_name, count)
    x = torch.from_numpy(np.asarray(data.x[shown], np.float32).reshape(len(shown), -1))
    y = torch.as_tensor(np.asarray(data.y)[shown]) if model.config["conditional"] else None
    with torch.no_grad():
        mu, _ = model.encode(x, y)
        return x.numpy(), model.decode(mu, y).numpy()


@st.cache_data(max_entries=16, show_spinner=False)
def prior_samples(model_name: str, n: int, seed: int) -> np.ndarray:
    """mu_D(z) for z ~ N(0, I): the same z for every model of one latent size (same seed); a conditional model
    decodes them with the labels 0, 1, 2, … in turn."""
    model = get_model(model_name)
    z = np.random.default_rng(seed).standard_normal((n, model.config["latent_dim"])).astype(np.float32)
    y = torch.arange(n) % len(model.config["labels"]) if model.config["conditional"] else None
    with torch.no_grad():
        return model.decode(torch.from_numpy(z), y).numpy()
