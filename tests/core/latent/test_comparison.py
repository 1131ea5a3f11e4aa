"""Model comparison: each figure is its formula, and two models are told apart only beyond two paired SEs."""

import numpy as np
import pytest
import torch

from vae_core import ConfigError
from vae_core.latent.comparison import independent_difference, model_summary, paired_difference
from vae_core.latent.gaps import average_kl, gap_stats
from vae_core.vae.config import VAEConfig
from vae_core.vae.model import VAE
from vae_core.vae.objectives import elbo_terms


def _model(seed: int, **kw) -> VAE:
    torch.manual_seed(seed)
    cfg = dict(image_shape=(4, 4), latent_dim=2, hidden=(8,), likelihood="bernoulli") | kw
    return VAE(VAEConfig(**cfg)).eval()


def _binary_images(n: int = 300, seed: int = 1) -> np.ndarray:
    return (np.random.default_rng(seed).random((n, 16)) < 0.4).astype(np.float32)


def test_each_figure_is_its_formula_on_the_same_draws():
    model, x = _model(0), _binary_images()
    s = model_summary(model, x, tau=2.0, n_samples=2000, seed=3)
    with torch.no_grad():
        mu, logvar = model.encode(torch.from_numpy(x))
        z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=torch.Generator().manual_seed(3))
        out = model.decoder_output(z)
        recon = model.log_px_given_z(torch.from_numpy(x), out).double().numpy()
        squared = (torch.from_numpy(x) - torch.sigmoid(out)).pow(2).sum(1).double().numpy()
    assert s.reconstruction == pytest.approx(recon.mean(), rel=1e-6)
    assert s.squared_error == pytest.approx(squared.mean(), rel=1e-6)
    assert s.average_kl == pytest.approx(average_kl(mu.numpy(), logvar.numpy()), rel=1e-5)
    assert s.elbo == pytest.approx(s.reconstruction - s.average_kl, rel=1e-9)
    gaps = gap_stats(mu.numpy(), logvar.numpy(), tau=2.0, n_samples=2000, seed=3)
    assert s.mutual_information == pytest.approx(gaps.mutual_information)
    assert s.prior_hole_mass == pytest.approx(gaps.prior_hole_mass) and s.se("prior_hole_mass") == gaps.prior_hole_se
    # The library's own ELBO (the training objective) agrees in expectation: the same model, many draws.
    torch.manual_seed(0)
    with torch.no_grad():
        terms = elbo_terms(model, torch.from_numpy(x))
    lib = float((terms.reconstruction - terms.kl).mean())
    assert s.elbo == pytest.approx(lib, abs=5 * s.se("elbo") + 0.05)
    assert s.se("elbo") == pytest.approx(np.std(recon - s.per_image["average_kl"], ddof=1) / np.sqrt(len(x)))


def test_a_model_against_itself_differs_by_nothing_and_is_not_told_apart():
    model, x = _model(0), _binary_images()
    a = model_summary(model, x, n_samples=500)
    d = paired_difference(a, a, "elbo")
    assert d.value == 0 and d.se == 0 and d.within
    assert "within 2 SE" in d.words()


def test_the_paired_se_is_that_of_the_per_image_differences_and_tells_models_apart():
    x = _binary_images(400)
    a, b = model_summary(_model(0), x, n_samples=500), model_summary(_model(5), x, n_samples=500)
    d = paired_difference(a, b, "average_kl")
    diff = b.per_image["average_kl"] - a.per_image["average_kl"]
    assert d.value == pytest.approx(diff.mean()) and d.se == pytest.approx(diff.std(ddof=1) / np.sqrt(400))
    assert d.within == (abs(d.value) <= 2 * d.se)
    # Two untrained models of different seeds have visibly different KLs on 400 images.
    assert not d.within and "SE)" in d.words()


def test_independent_differences_combine_the_errors_in_quadrature():
    d = independent_difference(10.0, 0.3, 10.5, 0.4)
    assert d.value == pytest.approx(0.5) and d.se == pytest.approx(0.5) and d.within
    assert not independent_difference(10.0, 0.03, 10.5, 0.04).within


def test_a_conditional_model_is_summarised_with_its_labels():
    model, x = _model(0, labels=tuple("abc"), conditional=True), _binary_images(60)
    y = np.arange(60) % 3
    s = model_summary(model, x, y, n_samples=200)
    with torch.no_grad():
        mu, logvar = model.encode(torch.from_numpy(x), torch.from_numpy(y))
    assert s.average_kl == pytest.approx(average_kl(mu.numpy(), logvar.numpy()), rel=1e-5)
    with pytest.raises(ConfigError, match="one label per image"):
        model_summary(model, x)


@pytest.mark.parametrize("x, message", [
    (np.zeros((1, 16), np.float32), "2 to 20,000 images"),
    (np.zeros((10, 9), np.float32), "the images have 9 pixels; the model takes 16"),
])
def test_bad_images_get_one_line(x, message):
    with pytest.raises(ConfigError, match=message):
        model_summary(_model(0), x)


def test_summaries_of_different_images_are_not_paired():
    model = _model(0)
    a = model_summary(model, _binary_images(50), n_samples=100)
    b = model_summary(model, _binary_images(60), n_samples=100)
    with pytest.raises(ConfigError, match="pair the same images"):
        paired_difference(a, b, "elbo")
