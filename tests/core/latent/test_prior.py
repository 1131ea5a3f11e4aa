"""fit_latent_prior: recovers a known mixture, refuses what the data cannot support, and the ELBO with the
new prior obeys its identity."""

import numpy as np
import pytest
import torch

from vae_core.errors import ConfigError
from vae_core.latent.prior import LatentPrior, elbo_with_prior, fit_latent_prior
from vae_core.vae.config import VAEConfig
from vae_core.vae.model import VAE, log_standard_normal
from vae_core.vae.objectives import elbo_terms


class FixedCodes(VAE):
    """A stand-in whose encoder returns given codes with a tiny spread, so q(z) is a known mixture's draws."""

    def __init__(self, codes):
        super().__init__(VAEConfig(image_shape=(1, 1), latent_dim=codes.shape[1], hidden=(2,), labels=("a",)))
        self.codes = torch.as_tensor(codes, dtype=torch.float32)

    def encode(self, x, y=None):
        idx = self.flatten(x)[:, 0].long()
        return self.codes[idx], torch.full_like(self.codes[idx], -12.0)


def known_mixture(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    means = np.array([[-3.0, 0.0], [2.0, 2.0], [2.0, -2.5]])
    covs = np.array([[[0.3, 0.1], [0.1, 0.2]], [[0.2, 0.0], [0.0, 0.5]], [[0.4, -0.15], [-0.15, 0.2]]])
    weights = np.array([0.5, 0.3, 0.2])
    comp = rng.choice(3, n, p=weights)
    z = means[comp] + np.einsum("nij,nj->ni", np.linalg.cholesky(covs)[comp], rng.standard_normal((n, 2)))
    return z, means, covs, weights


def test_recovers_a_known_mixture_and_chooses_k():
    z, means, covs, weights = known_mixture()
    model = FixedCodes(z)
    prior = fit_latent_prior(model, np.arange(len(z), dtype=np.float32)[:, None], samples_per_image=1,
                             candidates=(1, 2, 3, 4, 6))
    assert prior.k == 3, prior.held_out_log_lik
    order = [int(np.argmin(((prior.means - m) ** 2).sum(1))) for m in means]
    assert sorted(order) == [0, 1, 2]
    np.testing.assert_allclose(prior.means[order], means, atol=0.1)
    np.testing.assert_allclose(prior.covariances[order], covs, atol=0.06)
    np.testing.assert_allclose(prior.weights[order], weights, atol=0.03)
    # sample and log_prob agree with each other: a histogram of samples against the density
    s = prior.sample(20000, seed=1)
    assert s.shape == (20000, 2)
    inside = (np.abs(s - means[0]) < 0.5).all(1).mean()
    g = np.linspace(-0.5, 0.5, 41)
    box = np.stack(np.meshgrid(g + means[0][0], g + means[0][1], indexing="ij"), -1).reshape(-1, 2)
    mass = np.exp(prior.log_prob(box)).mean() * 1.0
    assert inside == pytest.approx(mass, abs=0.02)


def test_k_beyond_the_data_is_refused():
    z, *_ = known_mixture(n=40)
    model = FixedCodes(z)
    with pytest.raises(ConfigError, match="more components than"):
        fit_latent_prior(model, np.arange(40, dtype=np.float32)[:, None], k=30, samples_per_image=1)
    with pytest.raises(ConfigError, match="positive"):
        fit_latent_prior(model, np.arange(40, dtype=np.float32)[:, None], k=0)


def test_conditional_model_needs_a_label():
    torch.manual_seed(0)
    model = VAE(VAEConfig(image_shape=(4, 4), latent_dim=2, hidden=(8,), labels=("a", "b"), conditional=True))

    class Data:
        x = np.random.default_rng(0).random((60, 16)).astype(np.float32)
        y = np.repeat([0, 1], 30)

    with pytest.raises(ConfigError, match="label"):
        fit_latent_prior(model, Data)
    prior = fit_latent_prior(model, Data, k=2, label=1)
    assert prior.label == 1 and prior.k == 2


def test_elbo_identity_with_the_new_prior(tiny_model, tiny_batch):
    """ELBO_g = E_q[log p(x|z)] - KL(q(z|x) || g) computed two ways: all by Monte Carlo in elbo_with_prior,
    and as ELBO with N(0, I) (analytic KL) plus the gain E_q[log g(z) - log N(z; 0, I)] from separate draws."""
    with torch.no_grad():  # codes away from N(0, I), so the fitted prior differs from it
        tiny_model.encoder[-1].bias[:2] += 2.0
        tiny_model.encoder[-1].bias[2:] -= 2.0
    prior = fit_latent_prior(tiny_model, tiny_batch.repeat(20, 1), k=2, samples_per_image=4)
    assert isinstance(prior, LatentPrior)
    direct = elbo_with_prior(tiny_model, tiny_batch, prior, samples=20000, seed=3)
    np.testing.assert_allclose(direct["elbo"], direct["reconstruction"] - direct["kl"], rtol=1e-12)
    with torch.no_grad():
        torch.manual_seed(0)
        elbo_n = elbo_terms(tiny_model, tiny_batch, samples=20000).elbo.double().numpy()
        mu, logvar = tiny_model.encode(tiny_batch)
        z = tiny_model.reparameterize(mu, logvar, 20000)
        gain = (prior.log_prob_torch(z) - log_standard_normal(z).double()).mean(0).numpy()
    np.testing.assert_allclose(direct["elbo"], elbo_n + gain, atol=0.05)
    assert np.all(gain > 0.5)  # a prior fitted to q(z) raises the bound


class SpreadCodes(FixedCodes):
    """Codes with a given spread of q(z|x): log-variance `logvar` in every dimension."""

    def __init__(self, codes, logvar):
        super().__init__(codes)
        self.logvar = logvar

    def encode(self, x, y=None):
        mu, _ = super().encode(x, y)
        return mu, torch.full_like(mu, self.logvar)


def test_a_spiky_q_gets_a_regulariser_chosen_on_held_out_images():
    """Few images in many dimensions, each q(z|x) narrow: the 16-D mnist case in miniature. A near-unregularised
    mixture fits the fitted images' spikes and scores far worse on new images' codes, so the held-out choice
    regularises; the figures it chose by are kept."""
    rng = np.random.default_rng(2)
    model = SpreadCodes(rng.standard_normal((80, 8)), logvar=-9.0)
    prior = fit_latent_prior(model, np.arange(80, dtype=np.float32)[:, None], samples_per_image=20,
                             candidates=(1, 2, 4, 8))
    unregularised = prior.held_out_log_lik[f"K={prior.k}, full, reg 1e-05"]
    chosen = prior.held_out_log_lik[f"K={prior.k}, {prior.covariance_type}, reg {prior.reg_covar:g}"]
    assert prior.reg_covar > 1e-5 and chosen > unregularised + 0.5, prior.held_out_log_lik
    # the images' codes are N(0, I): full covariances' off-diagonal terms, fitted on 64 images, only overfit
    assert prior.covariance_type == "diag"
    assert prior.covariances.shape == (prior.k, 8, 8)  # full matrices whatever the type, for sample() and ellipses


def test_a_tie_on_held_out_images_keeps_the_default_covariance():
    """One broad Gaussian, plenty of codes: no regulariser or covariance type is significantly better than full
    covariances with the smallest regulariser, so those stay."""
    z = np.random.default_rng(3).standard_normal((3000, 2)) @ np.array([[1.0, 0.5], [0.0, 0.8]])
    prior = fit_latent_prior(FixedCodes(z), np.arange(len(z), dtype=np.float32)[:, None], samples_per_image=1,
                             candidates=(1, 2, 3))
    assert (prior.covariance_type, prior.reg_covar) == ("full", 1e-5), prior.held_out_log_lik
    assert len(prior.held_out_log_lik) >= 3 + 4 + 1  # every K tried (or stopped), every regulariser, diag


def test_all_three_given_is_one_fit_without_a_held_out_split():
    z, *_ = known_mixture(n=600)
    prior = fit_latent_prior(FixedCodes(z), np.arange(len(z), dtype=np.float32)[:, None], k=3, reg_covar=1e-3,
                             covariance_type="full", samples_per_image=1)
    assert prior.held_out_log_lik == {} and (prior.k, prior.reg_covar, prior.covariance_type) == (3, 1e-3, "full")
    with pytest.raises(ConfigError, match="covariance_type"):
        fit_latent_prior(FixedCodes(z), np.arange(10, dtype=np.float32)[:, None], covariance_type="round")
