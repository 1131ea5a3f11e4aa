"""vae_core.classify and style transfer on tiny conditional models, checked against quadrature."""

import math

import numpy as np
import pytest
import torch

import vae_core
from vae_core import ConfigError, classify, generation_grid, style_transfer
from vae_core.cvae.classify import log_mean_exp_and_se
from vae_core.vae.config import VAEConfig
from vae_core.vae.model import VAE


@pytest.fixture(scope="module")
def cvae_1d():
    """A conditional VAE with a 1-D latent over 3x3 images and three labels, with weights scaled up
    so that p(x|z, y) varies over z and p(x|y) differs between labels."""
    torch.manual_seed(3)
    model = VAE(VAEConfig(image_shape=(3, 3), latent_dim=1, hidden=(6,), labels=("a", "b", "c"), conditional=True))
    with torch.no_grad():
        for p in model.decoder.parameters():
            p.mul_(3.0)
    return model.eval()


def exact_log_px_y(model, x, y, lo=-12.0, hi=12.0, n=40001):
    """log p(x|y) = log integral N(z; 0, 1) p(x|z, y) dz by the trapezoid rule on a fine grid."""
    z = torch.linspace(lo, hi, n).reshape(n, 1)
    with torch.no_grad():
        log_px_z = model.log_px_given_z(torch.as_tensor(x).reshape(1, -1), model.decoder_output(z, torch.full((n,), y)))
    log_f = (log_px_z.double() - 0.5 * z[:, 0].double() ** 2 - 0.5 * math.log(2 * math.pi)).numpy()
    m = log_f.max()
    return m + math.log(np.trapezoid(np.exp(log_f - m), dx=(hi - lo) / (n - 1)))


def test_importance_sampling_agrees_with_quadrature_within_its_standard_error(cvae_1d):
    x = torch.tensor([[1, 0, 1, 0, 1, 1, 0, 0, 1], [0, 1, 1, 1, 0, 0, 1, 0, 0]], dtype=torch.float32)
    result = classify(cvae_1d, x, k=4000, seed=0)
    assert result.log_px_y.shape == (2, 3) and result.se.shape == (2, 3)
    spread = []
    for i in range(2):
        for j, y in enumerate(result.labels):
            exact = exact_log_px_y(cvae_1d, x[i], y)
            se = result.se[i, j]
            assert 0 < se < 0.2
            assert abs(result.log_px_y[i, j] - exact) < 4 * se + 1e-4, (i, y, result.log_px_y[i, j], exact, se)
            spread.append(exact)
    assert np.ptp(spread) > 0.5  # the labels really differ, so the check above can fail


def test_posterior_is_bayes_rule_and_prediction_its_argmax(cvae_1d):
    x = torch.rand(4, 9, generator=torch.Generator().manual_seed(0)).round()
    r = classify(cvae_1d, x, k=50)
    joint = np.exp(r.log_px_y) / 3
    np.testing.assert_allclose(r.posterior, joint / joint.sum(1, keepdims=True), rtol=1e-6)
    np.testing.assert_array_equal(r.predicted, np.argmax(r.log_px_y, 1))
    skewed = classify(cvae_1d, x, k=50, prior=[0.98, 0.01, 0.01])
    assert np.all(skewed.posterior[:, 0] > r.posterior[:, 0])


def test_classify_is_reproducible_with_a_seed_and_restricts_labels(cvae_1d):
    x = torch.ones(1, 9)
    a, b = classify(cvae_1d, x, k=20, seed=5), classify(cvae_1d, x, k=20, seed=5)
    np.testing.assert_array_equal(a.log_px_y, b.log_px_y)
    sub = classify(cvae_1d, x, k=20, labels=[2, 0])
    assert sub.labels == [2, 0] and sub.log_px_y.shape == (1, 2)


def test_standard_error_is_the_delta_method_of_the_weights():
    log_w = torch.log(torch.tensor([[1.0], [2.0], [3.0], [6.0]]))
    est, se = log_mean_exp_and_se(log_w)
    assert est.item() == pytest.approx(math.log(3.0))
    assert se.item() == pytest.approx(np.std([1, 2, 3, 6], ddof=1) / 2 / 3)


@pytest.mark.parametrize("labels", [[3], [-1], [1.5], ["x"]])
def test_out_of_range_label_is_refused(cvae_1d, labels):
    with pytest.raises(ConfigError, match="label must be an integer from 0 to 2"):
        classify(cvae_1d, torch.ones(1, 9), k=5, labels=labels)
    with pytest.raises(ConfigError, match="label must be an integer from 0 to 2"):
        style_transfer(cvae_1d, torch.ones(1, 9), y=labels[0])


def test_bad_k_and_non_conditional_model_are_refused(cvae_1d, tiny_model):
    with pytest.raises(ConfigError, match="k .* from 1 to"):
        classify(cvae_1d, torch.ones(1, 9), k=0)
    with pytest.raises(ConfigError, match="needs a conditional VAE"):
        classify(tiny_model, torch.ones(1, 16))
    with pytest.raises(ConfigError, match="needs a conditional VAE"):
        style_transfer(tiny_model, torch.ones(1, 16), y=0)


def test_style_transfer_keeps_z_and_changes_only_y(cvae_1d):
    x = torch.rand(2, 9, generator=torch.Generator().manual_seed(2))
    st = style_transfer(cvae_1d, x, y=[1, 2])
    with torch.no_grad():
        mu, _ = cvae_1d.encode(x, torch.tensor([1, 2]))
    np.testing.assert_allclose(st.z, mu.numpy())
    assert st.images.shape == (2, 3, 9) and st.targets == [0, 1, 2]
    for t in range(3):
        with torch.no_grad():
            expected = cvae_1d.decode(mu, torch.full((2,), t)).numpy()
        np.testing.assert_allclose(st.images[:, t], expected, rtol=1e-6)
    # The source label's column reconstructs the image; the other columns differ from it.
    assert not np.allclose(st.images[0, 0], st.images[0, 1])


def test_generation_grid_uses_the_same_z_down_each_column(cvae_1d):
    images, z = generation_grid(cvae_1d, n_columns=4, seed=1)
    assert images.shape == (3, 4, 9) and z.shape == (4, 1)
    with torch.no_grad():
        np.testing.assert_allclose(images[2], cvae_1d.decode(torch.from_numpy(z), torch.full((4,), 2)).numpy(),
                                   rtol=1e-6)


def test_public_api_exports():
    assert vae_core.classify is classify and hasattr(vae_core, "style_transfer")
