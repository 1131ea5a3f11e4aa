"""Reparameterisation and score-function gradients: both unbiased, and the score function far noisier."""

import math

import numpy as np
import pytest
import torch

import vae_core
from vae_core import load_dataset, load_model
from vae_core.errors import ConfigError
from vae_core.vae import gradient_estimators as ge


def linear_gaussian(d=2, p=5, s2=0.5, seed=0):
    """f(z) = log N(x; W z + b, s2 I): E_q[f] has a closed form, so does its gradient."""
    rng = np.random.default_rng(seed)
    w, b, x = (torch.as_tensor(a) for a in (rng.normal(size=(p, d)), rng.normal(size=p), rng.normal(size=p)))

    def f(z):
        r = x - z.double() @ w.T - b
        return -0.5 * (r ** 2).sum(-1) / s2 - 0.5 * p * math.log(2 * math.pi * s2)

    def exact_grad(mu, logvar):
        resid = x - w @ mu - b
        return torch.cat([w.T @ resid / s2, -0.5 * (w ** 2).sum(0) * logvar.exp() / s2]).numpy()

    return f, exact_grad


@pytest.mark.parametrize("name", ge.ESTIMATORS)
def test_each_estimator_is_unbiased_on_a_linear_gaussian_decoder(name):
    f, exact_grad = linear_gaussian()
    mu, logvar = torch.tensor([0.4, -0.7], dtype=torch.float64), torch.tensor([-0.5, 0.3], dtype=torch.float64)
    est = ge.estimates_for(f, mu, logvar, m=20, repeats=2000, seed=1)
    mean, se = est.mean_and_standard_error(name)
    assert np.all(np.abs(mean - exact_grad(mu, logvar)) < 4.5 * se), (mean, exact_grad(mu, logvar), se)


def test_the_score_function_with_no_baseline_is_far_noisier_on_the_linear_model():
    f, _ = linear_gaussian()
    est = ge.estimates_for(f, torch.zeros(2), torch.zeros(2), m=10, repeats=400)
    assert est.total_variance("score_function") > 10 * est.total_variance("reparameterisation")


@pytest.mark.parametrize("name", ["digits-2d", "mnist-2d", "mnist-16d"])
def test_on_shipped_models_the_score_function_variance_exceeds_the_reparameterised(name):
    model = load_model(name)
    x = load_dataset(model.card["data"]["name"]).x[3]
    est = vae_core.gradient_estimates(model, x, m=10, repeats=50)
    assert est.reparameterisation.shape == (50, 2 * model.config.latent_dim)
    reparam = est.total_variance("reparameterisation")
    assert est.total_variance("score_function") > 10 * reparam
    assert est.total_variance("score_function_baseline") > reparam
    # and the two agree in the mean, within their standard errors (all of them, four sigma)
    m1, s1 = est.mean_and_standard_error("reparameterisation")
    m2, s2 = est.mean_and_standard_error("score_function_baseline")
    assert np.mean(np.abs(m1 - m2) < 4 * np.hypot(s1, s2)) > 0.9


def test_variance_falls_like_one_over_m_and_the_curve_reuses_one_batch():
    model = load_model("digits-2d")
    x = load_dataset("digits").x[0]
    curve = ge.variance_curve(model, x, ms=[1, 10, 100], repeats=200)
    for name in ge.ESTIMATORS:
        v = curve.variances[name]
        assert 3 < v[0] / v[1] < 30 and 3 < v[1] / v[2] < 30  # about 10 per decade
    assert np.all(curve.ratio() > 10)


def test_bounds_on_the_request():
    model = load_model("digits-2d")
    x = load_dataset("digits").x[0]
    with pytest.raises(ConfigError, match="at most"):
        vae_core.gradient_estimates(model, x, m=10_000, repeats=100)
    with pytest.raises(ConfigError, match="at least 1"):
        vae_core.gradient_estimates(model, x, m=0)


def test_the_curve_keeps_the_estimates_whose_spread_it_reports():
    model = load_model("digits-2d")
    x = load_dataset("digits").x[5]
    curve = ge.variance_curve(model, x, ms=[1, 5, 20], repeats=30, seed=3)
    for name in ge.ESTIMATORS:
        est = curve.estimates[name]
        assert est.shape == (3, 30, 4)
        np.testing.assert_allclose(est.var(axis=1, ddof=1).sum(-1), curve.variances[name])
    # the estimate at M is the mean of the first M single-draw terms of the same draws
    draws = ge.single_draw_gradients(*ge._model_target(model, x), 20, 30, seed=3)
    np.testing.assert_allclose(curve.estimates["score_function"][1], draws.score_function[:, :5].mean(1), rtol=1e-10)
