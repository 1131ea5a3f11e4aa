"""The Conditional VAE page's whiskers: the SE it shows agrees with the spread of independent reruns.

The page says a rerun with other draws moves a bar by about sqrt(2) whiskers. Checked on the shipped 8-D model:
two runs with different seeds, each bar the mean of REPEATS independent K-sample estimates; their difference in
units of the combined SE must behave like a t statistic (a few per cent beyond 2), where the delta-method SE of
one K-sample estimate, from the same weights, leaves about half the differences beyond 2.
"""

import numpy as np
import pytest

from app.cvae.cache import REPEATS
from vae_core import classify, load_dataset, load_model
from vae_core.errors import ConfigError
from vae_core.vae.pixels import model_pixels
from vae_core.vae.train import split_indices


def _standardised_differences(model, x, k, repeats):
    a = classify(model, x, k=k, seed=0, repeats=repeats)
    b = classify(model, x, k=k, seed=1, repeats=repeats)
    return (a.log_px_y - b.log_px_y) / np.sqrt(a.se ** 2 + b.se ** 2), a


@pytest.fixture(scope="module")
def images():
    model = load_model("mnist-cvae-8d")
    data = load_dataset("mnist-5k")
    _, va = split_indices(len(data), 0.1, 0)
    return model, model_pixels(model, data.x[va[:60]])


def test_the_repeats_standard_error_matches_the_spread_of_reruns(images):
    model, x = images
    z, result = _standardised_differences(model, x, k=20, repeats=REPEATS)
    outside = float(np.mean(np.abs(z) > 2))
    assert 0.01 <= outside <= 0.15, outside  # t with 2 (REPEATS - 1) degrees of freedom: about 8 %
    assert 0.5 <= float(np.median(np.abs(z))) <= 0.95  # a normal's median |z| is 0.67
    assert result.repeats == REPEATS and result.ess.shape == result.log_px_y.shape
    assert np.all((result.ess >= 1) & (result.ess <= 20))


def test_the_delta_method_standard_error_does_not(images):
    # Why the page no longer shows it: with an ESS of about 2 of 20, the SE from the same weights is far too small.
    model, x = images
    z, _ = _standardised_differences(model, x, k=20, repeats=1)
    assert float(np.mean(np.abs(z) > 2)) > 0.3


def test_repeats_are_bounded():
    model = load_model("mnist-cvae-2d")
    x = np.zeros((1, 784), np.float32)
    with pytest.raises(ConfigError, match="repeats"):
        classify(model, x, k=1000, repeats=11)  # 11,000 draws per label, over MAX_K
    with pytest.raises(ConfigError, match="repeats"):
        classify(model, x, k=10, repeats=0)
