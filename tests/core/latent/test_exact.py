"""The exact posterior by adaptive quadrature, checked against a brute-force fine grid and against the
importance-weighted estimate at very large K, on tiny models whose posterior is sharp and far from q's mean."""

import math

import numpy as np
import pytest
import torch

from vae_core.errors import ConfigError
from vae_core.latent.exact import exact_log_px, exact_posterior
from vae_core.vae.config import VAEConfig
from vae_core.vae.iw_stats import LOW_ESS, iw_estimate, iw_statistics
from vae_core.vae.model import VAE, log_standard_normal


def sharp_model(latent_dim=2, shift=2.5, scale=4.0, seed=0, conditional=False):
    """A tiny VAE whose decoder is sharpened (a narrow posterior) and whose encoder mean is pushed
    `shift` away, so q(z|x) sits far from p(z|x): a fixed box around q would miss the mass."""
    torch.manual_seed(seed)
    cfg = VAEConfig(image_shape=(4, 4), latent_dim=latent_dim, hidden=(8,), labels=("a", "b", "c"),
                    conditional=conditional)
    model = VAE(cfg).eval()
    with torch.no_grad():
        model.decoder[-1].weight.mul_(scale)
        model.decoder[0].weight.mul_(scale)
        model.encoder[-1].bias[:latent_dim] += shift
        model.encoder[-1].bias[latent_dim:] -= 1.0
    return model


def brute_force_log_px(model, x, y=None, half=9.0, n=601):
    """log p(x) on a fixed, very fine box: n points per axis over [-half, half]^d."""
    d = model.config.latent_dim
    axis = torch.linspace(-half, half, n, dtype=torch.float64)
    z = torch.cartesian_prod(*[axis] * d).reshape(-1, d) if d > 1 else axis[:, None]
    with torch.no_grad():
        vals = torch.cat([model.log_px_given_z(x, model.decoder_output(c.float(), y)).double()
                          + log_standard_normal(c) for c in z.split(200_000)])
    return (torch.logsumexp(vals, 0) + d * math.log(axis[1] - axis[0])).item()


def images(n=4, seed=1):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, 16, generator=g) > 0.5).float()


@pytest.mark.parametrize("latent_dim", [1, 2])
def test_matches_brute_force_fine_grid_even_far_from_q(latent_dim):
    model = sharp_model(latent_dim)
    x = images(2)
    for i in range(len(x)):
        post = exact_posterior(model, x[i:i + 1])
        reference = brute_force_log_px(model, x[i:i + 1], n=601 if latent_dim == 2 else 20001)
        assert abs(post.log_px - reference) < 0.01
        # the point of the adaptive grid: this posterior is away from q's mean
        assert np.linalg.norm(post.mean - post.q_mean) > 3 * np.sqrt(np.trace(post.cov))
        assert post.gap > 0


def test_density_normalised_and_gap_is_kl_on_the_grid():
    model = sharp_model()
    post = exact_posterior(model, images(1))
    assert np.exp(post.log_density).sum() * post.cell == pytest.approx(1.0, abs=1e-9)
    levels = post.mass_levels((0.5, 0.9))
    assert levels[0] > levels[1] > 0
    # ELBO by its definition, E_q[log p(x, z) - log q(z|x)], on a fine grid over q: same value
    mu, std = post.q_mean, post.q_std
    axis = [np.linspace(m - 7 * s, m + 7 * s, 401) for m, s in zip(mu, std)]
    z = np.stack([g.ravel() for g in np.meshgrid(*axis, indexing="ij")], 1)
    log_q = (-0.5 * ((z - mu) / std) ** 2 - np.log(std) - 0.5 * math.log(2 * math.pi)).sum(1)
    zt = torch.tensor(z, dtype=torch.float32)
    with torch.no_grad():
        log_joint = (model.log_px_given_z(images(1), model.decoder_output(zt)) + log_standard_normal(zt)).double()
    q = np.exp(log_q) * np.prod([a[1] - a[0] for a in axis])
    elbo = float((q * (log_joint.numpy() - log_q)).sum())
    assert post.elbo == pytest.approx(elbo, abs=0.01)


def test_agrees_with_importance_weighting_at_very_large_k():
    model = sharp_model(shift=0.3)  # q overlaps the posterior so IW converges
    x = images(1)
    exact = exact_log_px(model, x)
    torch.manual_seed(0)
    iw = iw_estimate(model, x, k=50_000)
    assert np.all(np.abs(iw.log_px.numpy() - exact) < np.maximum(4 * iw.se.numpy(), 0.01))
    assert np.all(iw.log_px.numpy() <= exact + 4 * iw.se.numpy())


def test_iw_statistics_se_and_ess():
    equal = iw_statistics(torch.zeros(100, 1))
    assert equal.ess.item() == pytest.approx(100) and equal.se.item() == pytest.approx(0)
    one = torch.full((100, 1), -50.0)
    one[3] = 0.0
    lop = iw_statistics(one)
    assert lop.ess.item() == pytest.approx(1.0, abs=1e-6) and bool(lop.low_ess[0])
    assert "ESS below" in lop.summary(0) and LOW_ESS > 1
    # the SE formula against the spread of repeated estimates
    torch.manual_seed(0)
    log_w = torch.randn(400, 2000) * 0.8  # K = 400, 2000 repetitions
    est = iw_statistics(log_w)
    assert est.log_px.std().item() == pytest.approx(est.se.mean().item(), rel=0.1)


def test_conditional_needs_label_and_uses_it():
    model = sharp_model(conditional=True, shift=0.0)
    x = images(1)
    with pytest.raises(ConfigError, match="label"):
        exact_posterior(model, x)
    a, b = exact_posterior(model, x, y=0), exact_posterior(model, x, y=2)
    assert a.log_px != pytest.approx(b.log_px, abs=1e-3)
    assert a.log_px == pytest.approx(brute_force_log_px(model, x, y=torch.tensor([0])), abs=0.01)


def test_larger_latent_points_to_iw():
    cfg = VAEConfig(image_shape=(4, 4), latent_dim=3, hidden=(8,), labels=("a",))
    with pytest.raises(ConfigError, match="importance-weighted"):
        exact_log_px(VAE(cfg), images(1))


def test_the_fast_bernoulli_likelihood_equals_the_models():
    """exact.py's matrix-vector form of log p(x|z) for one image equals VAE.log_px_given_z (elementwise BCE)."""
    from vae_core.latent.exact import _Joint

    torch.manual_seed(0)
    model = VAE(VAEConfig(image_shape=(4, 4), latent_dim=2, hidden=(8,), labels=("a",))).eval()
    x = torch.rand(1, 16)
    z = np.random.default_rng(0).standard_normal((50, 2)) * 3
    with torch.no_grad():
        zt = torch.as_tensor(z, dtype=torch.float32)
        expected = (model.log_px_given_z(x, model.decoder_output(zt)) + log_standard_normal(zt)).double().numpy()
    joint = _Joint(model, x, None)
    assert joint.bernoulli
    np.testing.assert_allclose(joint(z), expected, rtol=0, atol=1e-4)
