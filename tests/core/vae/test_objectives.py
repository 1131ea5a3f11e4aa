import math

import pytest
import torch
from torch.distributions import Bernoulli, Independent, Normal

from vae_core.vae.config import VAEConfig
from vae_core.vae.model import VAE, log_standard_normal
from vae_core.vae.objectives import (
    elbo_terms,
    evaluate,
    iw_log_px,
    kl_per_dim,
    log_importance_weights,
    self_consistency,
)


def test_analytic_kl_matches_monte_carlo():
    torch.manual_seed(0)
    mu = torch.tensor([[0.5, -1.0, 2.0]])
    logvar = torch.tensor([[0.2, -1.5, 0.7]])
    analytic = kl_per_dim(mu, logvar).sum().item()
    q = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)
    p = Independent(Normal(torch.zeros(3), torch.ones(3)), 1)
    z = q.sample((400_000,))
    diff = q.log_prob(z) - p.log_prob(z)
    estimate, se = diff.mean().item(), diff.std().item() / math.sqrt(len(diff))
    assert abs(estimate - analytic) < 4 * se
    # and the textbook closed form, term by term
    by_hand = 0.5 * sum(m**2 + math.exp(lv) - lv - 1 for m, lv in zip(mu[0].tolist(), logvar[0].tolist()))
    assert analytic == pytest.approx(by_hand, rel=1e-6)


def test_bernoulli_log_likelihood_matches_torch_distributions(tiny_model):
    x = (torch.rand(3, 16) > 0.5).float()
    out = tiny_model.decoder_output(torch.randn(3, 2))
    expected = Independent(Bernoulli(logits=out), 1).log_prob(x)
    assert torch.allclose(tiny_model.log_px_given_z(x, out), expected, atol=1e-5)


def test_gaussian_log_likelihood_uses_beta_squared_as_variance():
    torch.manual_seed(0)
    model = VAE(VAEConfig(image_shape=(4, 4), latent_dim=2, hidden=(8,), likelihood="gaussian", beta=0.3))
    x = torch.rand(3, 16)
    out = model.decoder_output(torch.randn(3, 2))
    expected = Independent(Normal(torch.sigmoid(out), 0.3), 1).log_prob(x)
    assert torch.allclose(model.log_px_given_z(x, out), expected, atol=1e-4)


def test_reconstruction_weight_scales_as_one_over_beta_squared():
    """log p(x|z) = -||x - mu_D||^2 / (2 beta^2) - D/2 log(2 pi beta^2): the data-dependent part,
    which is what trades off against the KL, is 400x heavier at beta = 0.05 than at beta = 1."""
    torch.manual_seed(0)
    x = torch.rand(8, 16)
    out = torch.randn(8, 16)
    fitted = {}
    for beta in (0.05, 1.0):
        model = VAE(VAEConfig(image_shape=(4, 4), latent_dim=2, hidden=(8,), likelihood="gaussian", beta=beta))
        constant = -0.5 * 16 * math.log(2 * math.pi * beta**2)
        fitted[beta] = model.log_px_given_z(x, out) - constant
    assert torch.allclose(fitted[0.05], 400 * fitted[1.0], rtol=1e-4)


def test_gradients_flow_through_the_reparameterisation(tiny_model, tiny_batch):
    mu = torch.zeros(4, 2, requires_grad=True)
    logvar = torch.zeros(4, 2, requires_grad=True)
    torch.manual_seed(0)
    z = VAE.reparameterize(mu, logvar, samples=3)
    z.sum().backward()
    assert torch.allclose(mu.grad, torch.full((4, 2), 3.0))  # dz/dmu = 1 per sample
    assert logvar.grad.abs().sum() > 0  # dz/dlogvar = eps * sigma / 2
    tiny_model.train()
    loss = -elbo_terms(tiny_model, tiny_batch, samples=2).elbo.mean()
    loss.backward()
    first_encoder_layer = tiny_model.encoder[0].weight.grad
    assert first_encoder_layer is not None and first_encoder_layer.abs().sum() > 0


def _exact_log_px(model, x, half_width=8.0, points=201):
    """log p(x) = log of the integral of p(x|z) p(z) over a 2-D latent, by a Riemann sum on a grid."""
    g = torch.linspace(-half_width, half_width, points)
    z = torch.cartesian_prod(g, g)[:, None, :].expand(-1, x.shape[0], -1)
    with torch.no_grad():
        log_joint = log_standard_normal(z) + model.log_px_given_z(x, model.decoder_output(z))
    return torch.logsumexp(log_joint, 0) + 2 * math.log((g[1] - g[0]).item())


def test_elbo_is_below_the_importance_weighted_bound(tiny_model, tiny_batch):
    """ELBO = E[IW_1] < E[IW_8] < E[IW_64] <= log p(x), with log p(x) exact: the latent is 2-D."""
    # A deliberately poor q(z|x) (shifted, too narrow) widens every gap well beyond Monte Carlo error.
    with torch.no_grad():
        tiny_model.encoder[-1].bias += torch.tensor([1.0, -1.0, -0.5, -0.5])
    torch.manual_seed(0)
    n = tiny_batch.shape[0]
    exact = _exact_log_px(tiny_model, tiny_batch).mean()
    # 4000 independent single-sample ELBOs per image (analytic KL), averaged over the images
    with torch.no_grad():
        elbos = elbo_terms(tiny_model, tiny_batch.repeat(4000, 1)).elbo.view(4000, n).mean(1)
    elbo, elbo_se = elbos.mean(), elbos.std() / math.sqrt(len(elbos))
    bounds = {}
    for k, repeats in ((1, 1000), (8, 250), (64, 100)):
        log_w = log_importance_weights(tiny_model, tiny_batch, k=repeats * k, chunk=1000)
        per_repeat = iw_log_px(log_w.view(repeats, k, n).transpose(0, 1)).mean(1)  # (repeats,)
        bounds[k] = (per_repeat.mean(), per_repeat.std() / math.sqrt(repeats))
    (iw1, se1), (iw8, se8), (iw64, se64) = bounds.values()
    assert abs(iw1 - elbo) < 4 * math.hypot(se1, elbo_se)  # E[log w] is the ELBO
    assert iw8 - elbo > 4 * math.hypot(se8, elbo_se)
    assert iw64 - iw8 > 4 * math.hypot(se64, se8)
    assert iw64 < exact + 4 * se64  # still a lower bound, and a tight one
    assert exact - iw64 < 0.25 * (exact - elbo)


def test_log_weights_are_the_notes_formula(tiny_model, tiny_batch):
    torch.manual_seed(5)
    log_w = log_importance_weights(tiny_model, tiny_batch, k=3, chunk=3)
    torch.manual_seed(5)
    mu, logvar = tiny_model.encode(tiny_batch)
    z = VAE.reparameterize(mu, logvar, 3)
    q = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)
    p = Independent(Normal(torch.zeros(2), torch.ones(2)), 1)
    px = Independent(Bernoulli(logits=tiny_model.decoder_output(z), validate_args=False), 1)
    expected = p.log_prob(z) + px.log_prob(tiny_batch) - q.log_prob(z)
    assert torch.allclose(log_w, expected, atol=1e-4)
    assert torch.allclose(self_consistency(log_w), expected.var(0), atol=1e-4)


def test_self_consistency_is_zero_when_the_weights_are_constant():
    assert torch.all(self_consistency(torch.full((10, 4), -3.0)) == 0)


def test_evaluate_reports_consistent_terms(tiny_model, tiny_batch):
    torch.manual_seed(0)
    ev = evaluate(tiny_model, tiny_batch, k=50, batch=2)
    assert ev.n == 5 and ev.k == 50
    assert ev.elbo == pytest.approx(ev.reconstruction - ev.kl)
    assert ev.gap == pytest.approx(ev.iw_log_px - ev.elbo)
    assert sum(ev.kl_per_dim) == pytest.approx(ev.kl, rel=1e-5)
    assert ev.nll == pytest.approx(-ev.iw_log_px)
    assert ev.gap > 0
