"""Binarised pixels make the Bernoulli log p(x) a true log-likelihood: the option, the training, the evaluation."""

import itertools
import math

import numpy as np
import pytest
import torch

from vae_core.data.binarize import TEST_BINARIZE_SEED, binarize, binarize_each, is_binary
from vae_core.data.datasets import Dataset
from vae_core.errors import ConfigError
from vae_core.latent.exact import exact_log_px
from vae_core.vae import train as train_module
from vae_core.vae.config import VAEConfig
from vae_core.vae.model import VAE
from vae_core.vae.objectives import evaluate
from vae_core.vae.pixels import figure_names, is_true_log_likelihood, model_pixels
from vae_core.vae.train import TrainConfig, train


def _all_binary_images(n: int) -> torch.Tensor:
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)))


def test_the_bernoulli_likelihood_sums_to_one_over_all_binary_images():
    # A 2x2-pixel model with a 2-D latent: p(x) = integral p(x|z) p(z) dz, exactly by quadrature, for all 16 binary
    # images. A normalised distribution over binary images sums to 1 ...
    torch.manual_seed(0)
    model = VAE(VAEConfig(image_shape=(2, 2), latent_dim=2, hidden=(8,), labels=("a", "b"), binarized=True)).eval()
    images = _all_binary_images(4)
    log_px = np.array([exact_log_px(model, x[None]) for x in images])
    assert np.exp(log_px).sum() == pytest.approx(1.0, abs=2e-3)
    # ... while the same sum x log p + (1 - x) log(1 - p) on grey images is no density: over a grid of grey
    # values it integrates to far less than 1 (each pixel's integral of p^x (1-p)^(1-x) over x in [0, 1] is < 1).
    grey = torch.tensor(list(itertools.product(np.linspace(0.05, 0.95, 10), repeat=4)), dtype=torch.float32)
    grey_mass = np.exp([exact_log_px(model, x[None]) for x in grey[::97]]).mean()  # mean over [0,1]^4 ~ integral
    assert grey_mass < 0.5


def test_binarize_is_seeded_binary_and_has_the_right_mean():
    x = np.full((200, 784), 0.3, np.float32)
    a, b = binarize(x, 0), binarize(x, 0)
    assert is_binary(a) and np.array_equal(a, b) and not np.array_equal(a, binarize(x, 1))
    assert a.mean() == pytest.approx(0.3, abs=0.005)
    assert np.array_equal(binarize(x[:50], 0), a[:50])  # the first rows do not depend on the rest (--limit)
    assert torch.equal(binarize(torch.from_numpy(x), 0), torch.from_numpy(a))
    each = binarize_each(x[:3], 5)
    assert all(np.array_equal(each[i], binarize(x[i:i + 1], 5)[0]) for i in range(3))
    assert binarize(np.array([[0.0, 1.0]]), 3).tolist() == [[0.0, 1.0]]


def test_the_option_is_validated_at_the_boundary():
    assert TrainConfig().binarize == "none"
    assert TrainConfig(binarize="dynamic").binarize == "dynamic"
    with pytest.raises(ConfigError, match=r"binarize \(--binarize\) must be one of none, dynamic"):
        TrainConfig(binarize="static")
    with pytest.raises(ConfigError, match="binarize"):
        TrainConfig(binarize="dynamic", likelihood="gaussian", beta=0.5)
    with pytest.raises(ConfigError, match="must be a string"):
        TrainConfig(binarize=True)
    with pytest.raises(ConfigError, match="bernoulli decoder only"):
        VAEConfig(likelihood="gaussian", beta=0.5, binarized=True)
    assert VAEConfig.from_dict({"latent_dim": 2}).binarized is False  # an older sidecar: grey values


def test_dynamic_binarisation_trains_on_a_fresh_draw_every_epoch(monkeypatch):
    seen = []
    real = train_module.elbo_terms

    def spy(model, x, y=None, samples=1):
        seen.append(x.detach().clone())
        return real(model, x, y, samples)

    monkeypatch.setattr(train_module, "elbo_terms", spy)
    x = np.full((40, 16), 0.5, np.float32)
    data = Dataset("grey", x, np.zeros(40, np.int64), (4, 4), ("a", "b"))
    cfg = TrainConfig(latent_dim=2, hidden=(8,), epochs=2, batch_size=36, binarize="dynamic", val_fraction=0.1)
    result = train(cfg, data, progress=False)
    batches = [b for b in seen if len(b) == 36]  # the training batches (validation has 4 images)
    assert len(batches) == 2 and all(is_binary(b) for b in batches)
    assert not torch.equal(batches[0], batches[1])  # the same grey images, drawn afresh
    vals = [b for b in seen if len(b) == 4]
    assert all(is_binary(v) for v in vals) and torch.equal(vals[0], vals[-1])  # one fixed validation draw
    assert result.model.config.binarized


def test_evaluate_binarises_with_a_seed_and_the_figures_are_named_for_it():
    torch.manual_seed(0)
    model = VAE(VAEConfig(image_shape=(4, 4), latent_dim=2, hidden=(8,), labels=("a", "b"), binarized=True)).eval()
    x = torch.rand(6, 16)
    torch.manual_seed(1)
    ev = evaluate(model, x, k=20, elbo_samples=4, binarize_seed=TEST_BINARIZE_SEED)
    torch.manual_seed(1)
    direct = evaluate(model, binarize(x, TEST_BINARIZE_SEED), k=20, elbo_samples=4)
    assert ev.iw_log_px == pytest.approx(direct.iw_log_px) and ev.to_dict()["binarize_seed"] == TEST_BINARIZE_SEED
    assert is_true_log_likelihood(model.config) and figure_names(model.config).nll == "NLL"
    assert is_binary(model_pixels(model, x.numpy()))
    grey = VAE(VAEConfig(image_shape=(4, 4), latent_dim=2, hidden=(8,), labels=("a", "b")))
    assert not is_true_log_likelihood(grey.config) and "cross-entropy score" in figure_names(grey.config).nll
    assert model_pixels(grey, x) is x
    assert math.isfinite(ev.median_ess)
