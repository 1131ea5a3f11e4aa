import dataclasses

import numpy as np
import pytest
import torch

from vae_core.errors import ConfigError
from vae_core.oned import data1d, vae1d

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def data():
    x = data1d.sample(data1d.DEFAULT_MIXTURE, 1500, seed=0)
    return x


@pytest.fixture(scope="module", params=[("function", 1), ("constant", 1), ("function", 2)],
                ids=["sigma_z", "sigma_const", "latent2"])
def model(request, data):
    sigma_mode, latent_dim = request.param
    config = vae1d.VAE1DConfig(latent_dim=latent_dim, sigma_mode=sigma_mode, steps=300, hidden=32,
                               z_grid_size=None if latent_dim == 1 else 121)
    return vae1d.train_vae1d(data, config)


def test_quadrature_density_integrates_to_one(model):
    grid = np.linspace(-15, 15, 6001)
    total = np.trapezoid(np.exp(model.log_density(grid)), grid)
    assert abs(total - 1) < 1e-3


def test_elbo_is_below_log_density_everywhere(model, data):
    x = np.concatenate([np.linspace(-10, 10, 801), data[:300]])
    gap = model.log_density(x) - model.elbo(x)
    assert np.all(gap >= -1e-9)
    assert gap.mean() > 0


def test_gap_equals_kl_between_encoder_and_true_posterior(model):
    x = np.linspace(-6, 8, 57)
    gap = model.log_density(x) - model.elbo(x)
    np.testing.assert_allclose(gap, model.posterior_kl(x), atol=1e-8)


def test_posteriors_are_normalised_densities(model):
    post = model.posteriors(0.5)
    dz = post["z_axis"][1] - post["z_axis"][0]
    cell = dz ** model.config.latent_dim
    assert post["true"].sum() * cell == pytest.approx(1.0)
    assert post["encoder"].sum() * cell == pytest.approx(1.0)


def test_fine_grid_density_is_the_continuous_integral(model):
    """p(x) at one x by the grid equals scipy's adaptive integral over z."""
    x0 = 1.3
    if model.config.latent_dim == 2:
        # No cheap adaptive 2-D integral: refine the grid instead and check it agrees.
        finer = dataclasses.replace(model, config=dataclasses.replace(model.config, z_grid_size=241))
        assert np.exp(finer.log_density([x0])[0]) == pytest.approx(np.exp(model.log_density([x0])[0]), rel=1e-3)
        return
    from scipy.integrate import quad

    def integrand(z):
        mean, sigma = model.decoder_curve(np.array([z]))
        return np.exp(-0.5 * ((x0 - mean[0]) / sigma[0]) ** 2) / (sigma[0] * np.sqrt(2 * np.pi)) \
            * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)

    value, _ = quad(integrand, -8, 8, limit=400, epsabs=1e-10)
    assert np.exp(model.log_density([x0])[0]) == pytest.approx(value, rel=1e-3)


def test_components_form_a_mixture(model):
    comps = model.components(per_axis=7)
    assert comps["weights"].sum() == pytest.approx(1.0)
    assert np.all(comps["variances"] > 0)
    assert comps["means"].shape == comps["weights"].shape


def test_component_densities_are_the_weighted_decoded_gaussians(model):
    grid = np.linspace(-12, 12, 4001)
    comps = model.components(per_axis=5)
    dens = model.component_densities(grid, per_axis=5)
    assert dens.shape == (comps["weights"].size, grid.size)
    w, m, v = comps["weights"][:, None], comps["means"][:, None], comps["variances"][:, None]
    np.testing.assert_allclose(dens, w * np.exp(-0.5 * (grid - m) ** 2 / v) / np.sqrt(2 * np.pi * v), rtol=1e-10)
    np.testing.assert_allclose(np.trapezoid(dens, grid, axis=1), comps["weights"], atol=1e-4)


def test_density_curves_bundle_the_quadrature_results(model):
    x = np.linspace(-5, 7, 41)
    curves = model.density_curves(x)
    np.testing.assert_array_equal(curves["log_density"], model.log_density(x))
    np.testing.assert_allclose(curves["density"], np.exp(curves["log_density"]))
    np.testing.assert_array_equal(curves["elbo"], model.elbo(x))
    np.testing.assert_allclose(curves["gap"], curves["log_density"] - curves["elbo"], atol=1e-8)


def test_training_learns_and_reports_progress(data):
    calls = []
    config = vae1d.VAE1DConfig(steps=400, hidden=32)
    model = vae1d.train_vae1d(data, config, progress=lambda s, t, e: calls.append((s, t, e)), progress_every=100)
    assert [c[0] for c in calls] == [100, 200, 300, 400]
    assert all(c[1] == 400 for c in calls)
    assert calls[-1][2] > calls[0][2]
    # A fitted model must beat the best single Gaussian on this trimodal data.
    single_gaussian = -0.5 * (np.log(2 * np.pi * data.var()) + 1)
    assert model.score(data) > single_gaussian + 0.05


def test_progress_callback_can_stop_training(data):
    model = vae1d.train_vae1d(data, vae1d.VAE1DConfig(steps=1000, hidden=16),
                              progress=lambda s, t, e: s < 200, progress_every=100)
    assert model.steps_done == 200


def test_density_respects_the_scale_of_the_data(data):
    """Training on 1000 * x must give log p(1000 x) = log p(x) - log 1000."""
    config = vae1d.VAE1DConfig(steps=100, hidden=16)
    small = vae1d.train_vae1d(data, config)
    large = vae1d.train_vae1d(1000 * data, config)
    grid = np.linspace(-4, 6, 11)
    np.testing.assert_allclose(large.log_density(1000 * grid), small.log_density(grid) - np.log(1000), atol=1e-4)


def test_identical_values_train_without_nan():
    model = vae1d.train_vae1d(np.full(50, 2.0), vae1d.VAE1DConfig(steps=50, hidden=8))
    assert np.isfinite(model.score(np.full(5, 2.0)))
    assert any("identical" in w for w in model.warnings)


def test_parameter_counts(model):
    counts = model.n_parameters()
    h, d = model.config.hidden, model.config.latent_dim
    outputs = 2 if model.config.sigma_mode == "function" else 1
    extra = 0 if model.config.sigma_mode == "function" else 1
    assert counts["decoder"] == (d * h + h) + (h * h + h) + (h * outputs + outputs) + extra
    assert counts["encoder"] == (h + h) + (h * h + h) + (h * 2 * d + 2 * d)


@pytest.mark.parametrize("kwargs", [dict(latent_dim=3), dict(sigma_mode="learned"), dict(steps=0),
                                    dict(learning_rate=0.0), dict(z_grid_size=3)])
def test_bad_config_raises(kwargs):
    with pytest.raises(ConfigError):
        vae1d.VAE1DConfig(**kwargs)
