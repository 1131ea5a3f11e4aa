"""One image through the VAE: each node equals the library's own computation; the source shown is real;
the Monte Carlo estimate of E_q[log p(x|z)] converges to the quadrature value."""

import numpy as np
import pytest
import torch

from vae_core import load_dataset, load_model
from vae_core.errors import ConfigError
from vae_core.vae import forward_trace as ft
from vae_core.vae import monte_carlo as mc
from vae_core.vae.objectives import elbo_terms, kl_per_dim


@pytest.fixture(scope="module")
def model():
    return load_model("digits-2d")


@pytest.fixture(scope="module")
def x():
    return load_dataset("digits").x[7]


def test_every_node_equals_the_library_computation(model, x):
    trace = ft.forward_trace(model, x, seed=4)
    xt = torch.as_tensor(x, dtype=torch.float32)[None]
    with torch.no_grad():
        mu, logvar = model.encode(xt)
        torch.manual_seed(0)
        z_lib = model.reparameterize(mu, logvar, 1)[0]  # the library's own noise...
        torch.manual_seed(0)
        eps = torch.randn(1, 1, 2)[0]  # ...is this eps
        out = model.decoder_output(torch.as_tensor(trace.z, dtype=torch.float32)[None])
        log_px = model.log_px_given_z(xt, out)
    np.testing.assert_allclose(trace.mu, mu[0], rtol=1e-6)
    np.testing.assert_allclose(trace.logvar, logvar[0], rtol=1e-6)
    np.testing.assert_allclose(trace.sigma, np.exp(0.5 * trace.logvar), rtol=1e-6)
    np.testing.assert_allclose(trace.eps, ft.draw_epsilon(2, 4))
    np.testing.assert_allclose(trace.z, trace.mu + trace.sigma * trace.eps, rtol=1e-5)
    np.testing.assert_allclose(ft.reparameterize_with(mu, logvar, eps), z_lib, rtol=1e-6)
    with torch.no_grad():
        decoded = model.decode(torch.as_tensor(trace.z, dtype=torch.float32)[None])[0]
    np.testing.assert_allclose(trace.x_mean, decoded, rtol=1e-6)
    assert trace.log_px_z == pytest.approx(float(log_px[0]), rel=1e-6)
    assert trace.log_px_z_per_pixel.sum() == pytest.approx(trace.log_px_z, rel=1e-5)
    assert np.all(trace.log_px_z_per_pixel <= 0)  # Bernoulli pixel terms are log-probabilities
    np.testing.assert_allclose(trace.kl_per_dim, kl_per_dim(mu, logvar)[0], rtol=1e-6)
    assert trace.kl == pytest.approx(float(elbo_terms(model, xt).kl[0]), rel=1e-6)
    assert trace.elbo == pytest.approx(trace.log_px_z - trace.kl, rel=1e-6)
    assert trace.encoder_sizes == [64, 256, 128, 4] and trace.decoder_sizes == [2, 128, 256, 64]


def test_a_new_epsilon_moves_z_and_the_decoding_but_not_the_encoder(model, x):
    a, b = ft.forward_trace(model, x, seed=1), ft.forward_trace(model, x, seed=2)
    np.testing.assert_array_equal(a.mu, b.mu)
    np.testing.assert_array_equal(a.kl_per_dim, b.kl_per_dim)
    assert not np.allclose(a.z, b.z) and not np.allclose(a.x_mean, b.x_mean)


def test_gaussian_likelihood_per_pixel_terms_sum_to_the_model_total():
    from vae_core.vae.config import VAEConfig
    from vae_core.vae.model import VAE

    torch.manual_seed(0)
    model = VAE(VAEConfig(image_shape=(4, 4), latent_dim=2, hidden=[8], likelihood="gaussian", beta=0.3))
    trace = ft.forward_trace(model, np.random.default_rng(0).uniform(size=16), seed=3)
    assert trace.log_px_z_per_pixel.sum() == pytest.approx(trace.log_px_z, rel=1e-5)


def test_source_lines_are_read_from_the_running_code():
    assert "self.encoder(h).chunk(2, dim=1)" in ft.source_lines("mu_logvar")
    assert "0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0)" in ft.source_lines("kl")
    assert "binary_cross_entropy_with_logits" in ft.source_lines("log_px_z")
    z = ft.source_lines("z")
    assert "mu + sigma_from_logvar(logvar) * eps" in z and "torch.randn(samples" in z
    for node in ft.NODES:
        assert ft.source_lines(node).startswith("# vae_core/vae/")
    with pytest.raises(ConfigError, match="unknown node"):
        ft.source_lines("decoder_weights")


def test_running_estimate_and_standard_error():
    run = mc.running_statistics(np.array([1.0, 3.0, 2.0, 6.0]))
    np.testing.assert_allclose(run.running_mean, [1, 2, 2, 3])
    assert np.isnan(run.standard_error[0])
    np.testing.assert_allclose(run.standard_error[1:], [np.std([1, 3], ddof=1) / np.sqrt(2),
                                                        np.std([1, 3, 2], ddof=1) / np.sqrt(3),
                                                        np.std([1, 3, 2, 6], ddof=1) / 2])


def test_gauss_hermite_is_exact_for_a_quadratic():
    mu, sigma = torch.tensor([0.3, -1.0]), torch.tensor([0.5, 2.0])
    value = mc.gauss_hermite_expectation(lambda z: (z.double() ** 2).sum(-1), mu, sigma, 8)
    assert value == pytest.approx(float((mu ** 2 + sigma ** 2).sum()), rel=1e-6)


def test_monte_carlo_converges_to_the_quadrature_value(model, x):
    exact = mc.exact_reconstruction(model, x)
    assert exact.exact and exact.error < 1e-2 and "Gauss-Hermite" in exact.method
    run = mc.reconstruction_draws(model, x, 4000, seed=0)
    assert abs(run.running_mean[-1] - exact.value) < 4 * run.standard_error[-1]
    assert run.standard_error[-1] < run.standard_error[99] / 5  # SE shrinks like 1/sqrt(M)


def test_above_two_dimensions_the_reference_is_labelled_monte_carlo():
    model = load_model("mnist-16d")
    x = load_dataset("mnist-5k").x[0]
    with pytest.raises(ConfigError, match="1-D or 2-D"):
        mc.exact_reconstruction(model, x)
    ref = mc.reference_reconstruction(model, x, m=2000)
    assert not ref.exact and "not exact" in ref.method and ref.error > 0
    with pytest.raises(ConfigError, match="M must be"):
        mc.reconstruction_draws(model, x, 0)
