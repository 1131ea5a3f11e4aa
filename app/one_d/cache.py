"""Cached computations behind the 1-D page. None depends on the visitor, only on the data and the
settings, so every session shares them: a class opening the page samples and fits once (the VAE is trained
once too, off the script run: app/one_d/vae_job.py)."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from vae_core.oned import data1d, em_budget, fit1d, gmm1d


@st.cache_data(show_spinner=False, max_entries=16)
def sampled_data(weights, means, variances, n, test_fraction, seed):
    spec = data1d.MixtureSpec(weights, means, variances)
    train, test = data1d.train_test_split(data1d.sample(spec, n, seed), test_fraction, seed)
    return train, test


@st.cache_data(show_spinner=False, max_entries=16)
def uploaded_data(content: bytes, name: str, test_fraction: float, seed: int):
    parsed = data1d.parse_csv(content, source=name)
    train, test = data1d.train_test_split(parsed.values, test_fraction, seed)
    return train, test, parsed.warnings


@st.cache_data(show_spinner=False, max_entries=16)
def truth_curve(spec: data1d.MixtureSpec | None, train: np.ndarray):
    grid = data1d.density_grid(spec, train, n=801)
    truth = None if spec is None else data1d.density(spec, grid)
    return grid, truth


@st.cache_data(show_spinner="Fitting the GMM and scikit-learn's…", max_entries=16)
def fitted_gmm(train, test, spec, k, init, n_init, var_floor, tol, max_iter, seed):
    start = time.perf_counter()
    model = gmm1d.GaussianMixture1D(k, init=init, n_init=n_init, var_floor=var_floor, tol=tol,
                                    max_iter=max_iter, random_state=seed).fit(train)
    summary = fit1d.summarise_gmm(model, train, test, spec, time.perf_counter() - start)
    check = gmm1d.sklearn_cross_check(train, model) if em_budget.cross_check_allowed(train.size, k, n_init) else None
    return model, summary, check


@st.cache_data(show_spinner=False, max_entries=16)
def truth_summary_of(spec, train, test):
    return fit1d.summarise_truth(spec, train, test)
