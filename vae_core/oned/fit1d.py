"""Fit a GMM by EM and a VAE to the same 1-D data and summarise both as a
JSON-able dict; shared by the ``fit1d`` CLI, the page's comparison table and
the benchmark."""

from __future__ import annotations

import time

import numpy as np

from . import data1d, gmm1d, vae1d
from .data1d import MixtureSpec


def _mean_or_none(values: np.ndarray | None) -> float | None:
    return None if values is None else float(np.mean(values))


def versus_truth(log_fit: np.ndarray, truth: MixtureSpec, test) -> dict:
    """The fit's test mean log-likelihood minus the truth's, paired over the test points, with its standard
    error sd(d) / sqrt(n) of the per-point differences d_i = log p_fit(x_i) - log p_true(x_i): a difference
    within about two SEs of 0 is not evidence that either density fits the test data better."""
    d = np.asarray(log_fit, dtype=float) - data1d.log_density(truth, test)
    se = float(d.std(ddof=1) / np.sqrt(d.size)) if d.size > 1 else float("nan")
    return {"mean": float(d.mean()), "se": se, "n": int(d.size)}


def summarise_gmm(model: gmm1d.GaussianMixture1D, train, test, truth: MixtureSpec | None, seconds: float) -> dict:
    return {
        "k": model.n_components,
        "weights": model.weights_.tolist(),
        "means": model.means_.tolist(),
        "variances": model.variances_.tolist(),
        "converged": bool(model.converged_),
        "n_iter": int(model.n_iter_),
        "log_likelihood_history": [float(v) for v in model.log_likelihood_history_],
        "train_log_likelihood": model.score(train),
        "test_log_likelihood": None if test is None else model.score(test),
        "kl_truth_to_fit": None if truth is None else data1d.kl_from_truth(truth, model.score_samples),
        "test_minus_truth": None if truth is None or test is None else versus_truth(model.score_samples(test),
                                                                                      truth, test),
        "n_parameters": model.n_parameters(),
        "fit_seconds": seconds,
    }


def summarise_vae(model: vae1d.VAE1D, train, test, truth: MixtureSpec | None) -> dict:
    return {
        "latent_dim": model.config.latent_dim,
        "sigma_mode": model.config.sigma_mode,
        "steps": model.steps_done,
        "train_log_likelihood": model.score(train),
        "test_log_likelihood": None if test is None else model.score(test),
        "train_elbo": model.mean_elbo(train),
        "test_elbo": None if test is None else model.mean_elbo(test),
        "kl_truth_to_fit": None if truth is None else data1d.kl_from_truth(truth, model.log_density),
        "test_minus_truth": None if truth is None or test is None else versus_truth(model.log_density(test),
                                                                                      truth, test),
        "n_parameters": model.n_parameters(),
        "fit_seconds": model.fit_seconds,
    }


def summarise_truth(truth: MixtureSpec, train, test) -> dict:
    return {
        **truth.to_dict(),
        "train_log_likelihood": float(np.mean(data1d.log_density(truth, train))),
        "test_log_likelihood": None if test is None else float(np.mean(data1d.log_density(truth, test))),
        "negative_entropy": -data1d.entropy(truth),
        # KL(p || p) = 0 exactly; quadrature would only add rounding noise.
        "kl_truth_to_fit": 0.0,
        "n_parameters": truth.n_parameters(),
    }


def fit_both(train, test=None, k: int = 3, seed: int = 0, gmm_options: dict | None = None,
             vae_config: vae1d.VAE1DConfig | None = None, truth: MixtureSpec | None = None,
             progress: vae1d.ProgressCallback | None = None) -> dict:
    """Fit both models on train; score on train and, when given, on test."""
    train = np.asarray(train, dtype=float).ravel()
    test = None if test is None else np.asarray(test, dtype=float).ravel()
    warnings = data1d.check_fit_data(train, k)
    if test is not None and test.size == 0:
        warnings.append("the test set is empty; test scores are left out")
        test = None

    start = time.perf_counter()
    gmm = gmm1d.GaussianMixture1D(n_components=k, random_state=seed, **(gmm_options or {})).fit(train)
    gmm_seconds = time.perf_counter() - start
    warnings += [w for w in gmm.warnings_ if w not in warnings]

    config = vae_config or vae1d.VAE1DConfig(seed=seed)
    vae = vae1d.train_vae1d(train, config, progress=progress)
    warnings += vae.warnings

    result = {
        "n_train": int(train.size),
        "n_test": 0 if test is None else int(test.size),
        "warnings": warnings,
        "gmm": summarise_gmm(gmm, train, test, truth, gmm_seconds),
        "vae": summarise_vae(vae, train, test, truth),
    }
    if truth is not None:
        result["truth"] = summarise_truth(truth, train, test)
    return result
