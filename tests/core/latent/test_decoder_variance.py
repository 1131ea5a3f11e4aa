"""The beta^2 trade-off summary: reconstruction error, average KL, holes, active units."""

import numpy as np
import pytest
import torch

from vae_core import ConfigError
from vae_core.latent.decoder_variance import active_units, tradeoff_summary
from vae_core.latent.gaps import average_kl
from vae_core.vae.config import VAEConfig
from vae_core.vae.model import VAE


def test_active_units_counts_dimensions_whose_mean_varies():
    rng = np.random.default_rng(0)
    mu = np.stack([rng.normal(0, 1, 500), rng.normal(0, 0.01, 500), rng.normal(0, 0.5, 500)], axis=1)
    assert active_units(mu) == 2


def test_summary_matches_its_formulas():
    torch.manual_seed(0)
    model = VAE(VAEConfig(image_shape=(4, 4), latent_dim=2, hidden=(8,), likelihood="gaussian", beta=0.5)).eval()
    x = np.random.default_rng(1).random((200, 16)).astype(np.float32)
    s = tradeoff_summary(model, x, tau=2.0, n_samples=1000)
    assert s.beta2 == pytest.approx(0.25)
    # -log p(x|z) = ||x - mu_D(z)||^2 / (2 beta^2) + D/2 log(2 pi beta^2), averaged over the same draws.
    assert s.reconstruction_nll == pytest.approx(s.squared_error / 0.5 + 8 * np.log(2 * np.pi * 0.25), rel=1e-5)
    with torch.no_grad():
        mu, logvar = model.encode(torch.from_numpy(x))
    assert s.average_kl == pytest.approx(average_kl(mu.numpy(), logvar.numpy()), rel=1e-5)
    assert 0 <= s.prior_hole_mass <= 1 and s.n == 200 and s.latent_dim == 2


def test_summary_refuses_a_bernoulli_decoder(tiny_model):
    with pytest.raises(ConfigError, match="Gaussian decoder"):
        tradeoff_summary(tiny_model, np.zeros((10, 16), np.float32))
