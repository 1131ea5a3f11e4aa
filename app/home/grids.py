"""The Home page's two pictures, prior samples and reconstructions, as PNGs shared by every visitor.

Each visitor's every rerun decoded 64 prior samples and 16 reconstructions and encoded both grids as PNG: the
Home page, the page a whole class opens first, cost more server time per rerun (about 110 ms) than the latent
map. The pictures depend only on the model, the seed and the scale, so they are made once for all visitors.
The seeds are a visitor's (each press of *New samples*), so the cache is bounded in entries.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.common.cache import get_dataset, get_model
from app.common.ui import grid_png
from vae_core.images.gallery import prior_samples, reconstruct

MAX_PICTURES = 64  # about 64 x 30 KB


@st.cache_data(max_entries=MAX_PICTURES, show_spinner=False)
def prior_grid(name: str, seed: int, scale: int) -> tuple[bytes, str]:
    """(PNG, caption) of 64 decoded prior samples of the model `name`, 8 to a row."""
    model = get_model(name)
    if model.config.conditional:  # p(x | z, y): each row of 8 keeps one label, the rows run through the labels
        n_labels = len(model.config.labels)
        labels = np.repeat(np.arange(8) % n_labels, 8)
        _, images = prior_samples(model, 64, seed=seed, label=labels)
        caption = (f"64 decoded prior samples (seed {seed}) of a conditional model: rows 1 to 8 are decoded with "
                   f"labels y = {', '.join(str(model.config.labels[i % n_labels]) for i in range(8))}")
    else:
        _, images = prior_samples(model, 64, seed=seed)
        caption = f"64 decoded prior samples (seed {seed})"
    return grid_png(images, cols=8, scale=scale), caption


@st.cache_data(max_entries=MAX_PICTURES, show_spinner=False)
def reconstruction_grid_png(name: str, data_name: str, seed: int, scale: int) -> tuple[bytes, str]:
    """(PNG, caption): 16 images of `data_name` (picked by `seed`) in rows 1 and 3, their reconstructions
    mu_D(mu(x)) below each row."""
    model, data = get_model(name), get_dataset(data_name)
    rng = np.random.default_rng(seed)
    index = np.sort(rng.choice(len(data), size=16, replace=False))
    y = data.y[index] if model.config.conditional else None
    recon = reconstruct(model, data.x[index], y)
    both = np.concatenate([data.images(index)[:8], recon[:8], data.images(index)[8:], recon[8:]])
    return grid_png(both, cols=8, scale=scale), f"Rows 1 and 3: {data.name} images; rows 2 and 4: their reconstructions"
