import warnings

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture

from vae_core.errors import ConfigError, DataError
from vae_core.oned import data1d, gmm1d


@pytest.fixture(scope="module")
def x():
    return data1d.sample(data1d.DEFAULT_MIXTURE, 3000, seed=0)


@pytest.mark.parametrize("init", gmm1d.INIT_METHODS)
def test_em_log_likelihood_never_decreases(x, init):
    model = gmm1d.GaussianMixture1D(3, init=init, tol=0, max_iter=200, random_state=1).fit(x)
    history = np.array(model.log_likelihood_history_)
    assert history.size == 201
    assert np.all(np.diff(history) >= -1e-12)
    assert history[-1] > history[0]


def test_em_is_monotone_with_the_variance_floor_active():
    x = np.concatenate([np.full(50, 1.0), data1d.sample(data1d.DEFAULT_MIXTURE, 300, seed=2)])
    model = gmm1d.GaussianMixture1D(4, tol=0, max_iter=100, var_floor=0.05, random_state=0).fit(x)
    assert np.all(np.diff(model.log_likelihood_history_) >= -1e-12)
    assert np.min(model.variances_) == pytest.approx(0.05)
    assert any("variance floor" in w for w in model.warnings_)


def test_history_entries_are_the_log_likelihood_of_the_stored_parameters(x):
    model = gmm1d.GaussianMixture1D(3, random_state=0).fit(x)
    for params, ll in zip(model.run_.params_history, model.log_likelihood_history_):
        assert gmm1d.mean_log_likelihood(x, params) == pytest.approx(ll, abs=1e-12)
    assert model.lower_bound_ == pytest.approx(model.score(x))


def test_same_initialisation_gives_sklearns_result(x):
    start = gmm1d.make_params([0.2, 0.3, 0.5], [-3.0, 0.0, 3.0], [1.0, 2.0, 0.5])
    ours = gmm1d.GaussianMixture1D(3, init_params=start, tol=0, max_iter=60, var_floor=1e-300).fit(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = GaussianMixture(3, weights_init=start.weights, means_init=start.means[:, None],
                              precisions_init=(1 / start.variances)[:, None, None], reg_covar=0.0,
                              tol=0, max_iter=60).fit(x[:, None])
    assert ours.n_iter_ == ref.n_iter_ == 60
    np.testing.assert_allclose(ours.weights_, ref.weights_, atol=1e-6, rtol=0)
    np.testing.assert_allclose(ours.means_, ref.means_.ravel(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(ours.variances_, ref.covariances_.ravel(), atol=1e-6, rtol=0)
    assert ours.score(x) == pytest.approx(ref.score(x[:, None]), abs=1e-6)
    np.testing.assert_allclose(ours.predict_proba(x[:50]), ref.predict_proba(x[:50, None]), atol=1e-6)


def test_stops_at_the_same_iteration_as_sklearn_for_the_same_tol(x):
    start = gmm1d.make_params([0.3, 0.3, 0.4], [-1.0, 0.5, 2.0], [1.0, 1.0, 1.0])
    ours = gmm1d.GaussianMixture1D(3, init_params=start, tol=1e-4, var_floor=1e-300).fit(x)
    ref = GaussianMixture(3, weights_init=start.weights, means_init=start.means[:, None],
                          precisions_init=(1 / start.variances)[:, None, None], reg_covar=0.0,
                          tol=1e-4).fit(x[:, None])
    assert ours.converged_ and ref.converged_
    assert ours.n_iter_ == ref.n_iter_


def test_recovers_the_true_mixture_on_large_data():
    x = data1d.sample(data1d.DEFAULT_MIXTURE, 50_000, seed=5)
    model = gmm1d.GaussianMixture1D(3, tol=1e-8, max_iter=3000, n_init=2, random_state=0).fit(x)
    order = np.argsort(model.means_)
    np.testing.assert_allclose(model.means_[order], [-2, 1, 4], atol=0.15)
    np.testing.assert_allclose(model.weights_[order], [0.5, 0.2, 0.3], atol=0.03)
    np.testing.assert_allclose(model.variances_[order], [0.5, 2, 1], rtol=0.2)


def test_more_restarts_never_end_lower(x):
    one = gmm1d.GaussianMixture1D(4, init="random", n_init=1, random_state=3).fit(x)
    many = gmm1d.GaussianMixture1D(4, init="random", n_init=5, random_state=3).fit(x)
    assert many.lower_bound_ >= one.lower_bound_ - 1e-12


def test_identical_values_hit_the_floor_without_nan():
    model = gmm1d.GaussianMixture1D(2, var_floor=1e-4).fit(np.full(20, 3.0))
    assert np.all(np.isfinite(model.log_likelihood_history_))
    np.testing.assert_allclose(model.variances_, 1e-4)
    assert any("identical" in w for w in model.warnings_)


def test_e_and_m_steps_by_hand():
    x = np.array([-1.0, 1.0])
    params = gmm1d.make_params([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0])
    resp, ll = gmm1d.e_step(x, params)
    r = 1 / (1 + np.exp(-2.0))
    np.testing.assert_allclose(resp, [[r, 1 - r], [1 - r, r]])
    expected = np.log(0.5 * np.exp(-0.5 * np.array([0, 4.0])).sum() / np.sqrt(2 * np.pi))
    assert ll == pytest.approx(expected)
    new = gmm1d.m_step(x, resp, 1e-9)
    np.testing.assert_allclose(new.weights, [0.5, 0.5])
    np.testing.assert_allclose(new.means, [1 - 2 * r, 2 * r - 1])
    np.testing.assert_allclose(new.variances, [r * (-1 - new.means[0]) ** 2 + (1 - r) * (1 - new.means[0]) ** 2] * 2)


@pytest.mark.parametrize("kwargs", [dict(n_components=0), dict(init="magic"), dict(n_init=0),
                                    dict(var_floor=0.0), dict(tol=-1.0), dict(max_iter=0)])
def test_bad_settings_raise_config_error(kwargs):
    with pytest.raises(ConfigError):
        gmm1d.GaussianMixture1D(**kwargs)


def test_k_larger_than_n_is_a_data_error():
    with pytest.raises(DataError, match="fewer than K"):
        gmm1d.GaussianMixture1D(5).fit(np.array([1.0, 2.0, 3.0]))
