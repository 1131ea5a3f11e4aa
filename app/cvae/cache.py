"""Cached computations behind the conditional VAE page.

Everything that does not depend on the visitor (generation grid, validation
accuracy, encodings) is shared across sessions; per-image results are keyed
by the image's pixels, so a rerun after a widget change redoes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from app.common.cache import get_dataset, get_model
from vae_core import classify, generation_grid, style_transfer
from vae_core.cvae.classify import Classification
from vae_core.cvae.style import StyleTransfer
from vae_core.vae.pixels import model_pixels
from vae_core.vae.train import split_indices

VALIDATION_K = 20  # importance samples per label for the cached validation accuracy
MAX_VALIDATION = 500  # images: bounded so that the first visit stays a few seconds


@st.cache_data(max_entries=16, show_spinner=False)
def grid(model_name: str, n_columns: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    return generation_grid(get_model(model_name), n_columns=n_columns, seed=seed)


REPEATS = 5  # independent K-sample estimates per bar: their spread is the whisker (vae_core.cvae.classify)


@st.cache_data(max_entries=256, show_spinner=False)
def classify_image(model_name: str, pixels: bytes, k: int) -> Classification:
    """log p(x|y) of the image (of its seeded binarisation, for a model trained on binarised pixels)."""
    model = get_model(model_name)
    x = model_pixels(model, np.frombuffer(pixels, dtype=np.float32).reshape(1, -1))
    return classify(model, x, k=k, seed=0, repeats=REPEATS)


@st.cache_data(max_entries=256, show_spinner=False)
def transfer(model_name: str, pixels: bytes, label: int) -> StyleTransfer:
    model = get_model(model_name)
    return style_transfer(model, np.frombuffer(pixels, dtype=np.float32).reshape(1, -1), y=label)


@st.cache_data(max_entries=64, show_spinner=False)
def decode_all_labels(model_name: str, z: tuple[float, ...]) -> np.ndarray:
    """One z decoded with every label: (L, pixels)."""
    import torch

    model = get_model(model_name)
    n = len(model.config.labels)
    with torch.no_grad():
        zt = torch.tensor([z], dtype=torch.float32).expand(n, -1)
        return model.decode(zt, torch.arange(n)).numpy()


@dataclass(frozen=True)
class Validation:
    data_name: str
    n: int
    k: int
    accuracy: float
    accuracy_se: float
    confusion: np.ndarray  # (true, predicted) counts


def validation_split(model_name: str):
    """The images the model held out for early stopping: never trained on, same split as `train`."""
    model = get_model(model_name)
    tc = model.card.get("train_config", {})
    data = get_dataset(model.card.get("data", {}).get("name") or tc.get("data", "mnist-5k"))
    _, val_idx = split_indices(len(data), tc.get("val_fraction", 0.1), tc.get("seed", 0))
    return data, val_idx[:MAX_VALIDATION]


@st.cache_data(max_entries=8, show_spinner="Classifying the held-out validation images (once per model)…")
def validation_accuracy(model_name: str) -> Validation:
    model = get_model(model_name)
    data, idx = validation_split(model_name)
    result = classify(model, model_pixels(model, data.x[idx]), k=VALIDATION_K, seed=0)
    truth = np.asarray(data.y)[idx]
    n_classes = len(model.config.labels)
    confusion = np.zeros((n_classes, n_classes), int)
    np.add.at(confusion, (truth, result.predicted), 1)
    acc = float(np.mean(result.predicted == truth))
    return Validation(data_name=data.name, n=len(idx), k=VALIDATION_K, accuracy=acc,
                      accuracy_se=float(np.sqrt(acc * (1 - acc) / len(idx))), confusion=confusion)
