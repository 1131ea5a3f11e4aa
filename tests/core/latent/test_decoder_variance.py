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


def test_the_standard_errors_are_those_of_the_per_image_figures():
    torch.manual_seed(0)
    model = VAE(VAEConfig(image_shape=(4, 4), latent_dim=2, hidden=(8,), likelihood="gaussian", beta=0.5,
                          labels=("a", "b")))
    x = np.random.default_rng(0).random((50, 16)).astype(np.float32)
    s = tradeoff_summary(model, x, tau=2.0, n_samples=200)
    sq, kl = s.per_image["squared_error"], s.per_image["kl"]
    assert s.squared_error == pytest.approx(sq.mean()) and s.average_kl == pytest.approx(kl.mean())
    assert s.squared_error_se == pytest.approx(sq.std() / np.sqrt(50), rel=0.05)
    assert s.average_kl_se == pytest.approx(kl.std(ddof=1) / np.sqrt(50))
    assert "per_image" not in s.to_dict() and "squared_error_se" in s.to_dict()


def test_the_shipped_models_show_the_trade_off_by_more_than_their_standard_errors():
    # The notes' lesson, on the same 2,000 images the page uses: from each beta^2 to the next larger one the
    # reconstruction error rises and the average KL falls, each by more than two SEs of the paired difference.
    from vae_core import load_dataset, load_model

    x = load_dataset("mnist-5k").x[:2000]
    names = ("tradeoff-beta2-0.05", "tradeoff-beta2-0.5", "tradeoff-beta2-2")
    summaries = [tradeoff_summary(load_model(n), x, tau=2.0, n_samples=1000) for n in names]
    for a, b in zip(summaries, summaries[1:]):
        assert a.beta2 < b.beta2
        for key, sign in (("squared_error", 1), ("kl", -1)):
            d = sign * (b.per_image[key] - a.per_image[key])
            assert d.mean() > 2 * d.std(ddof=1) / np.sqrt(len(d)), (key, a.beta2, b.beta2)
