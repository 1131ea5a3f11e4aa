"""Cached computations for the "Inside a VAE" page. They depend only on the model, the image's pixels and a
seed, never on the visitor, so every session shares them; the bounds keep memory in check with a class."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.common.cache import get_model
from vae_core.vae import forward_trace as ft
from vae_core.vae import gradient_estimators as ge
from vae_core.vae import monte_carlo as mc

MC_DRAWS = 1000  # the slider's top
GRADIENT_REPEATS = 50
GRADIENT_MS = (1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000)


@st.cache_data(max_entries=256, show_spinner=False)
def trace(model_name: str, pixels: np.ndarray, seed: int) -> ft.ForwardTrace:
    return ft.forward_trace(get_model(model_name), pixels, seed=seed)


@st.cache_data(max_entries=64, show_spinner=False)
def monte_carlo(model_name: str, pixels: np.ndarray, seed: int = 0) -> mc.MonteCarloRun:
    return mc.reconstruction_draws(get_model(model_name), pixels, MC_DRAWS, seed)


@st.cache_data(max_entries=64, show_spinner="Computing the exact value by quadrature…")
def reference(model_name: str, pixels: np.ndarray) -> mc.Reference:
    return mc.reference_reconstruction(get_model(model_name), pixels)


@st.cache_data(max_entries=16, show_spinner="Measuring both estimators: 50 repeats of up to 1,000 draws…")
def gradient_curve(model_name: str, pixels: np.ndarray, seed: int = 0) -> ge.VarianceCurve:
    return ge.variance_curve(get_model(model_name), pixels, GRADIENT_MS, GRADIENT_REPEATS, seed)


@st.cache_data(max_entries=16, show_spinner=False)
def source(node: str) -> str:
    return ft.source_lines(node)
