"""The latent map's 2-D EM stepper: one step equals scikit-learn's GaussianMixture iteration from the same start,
the log-likelihood never decreases whatever the button order, and bad input is refused."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from vae_core.errors import ConfigError
from vae_core.latent.em_stepper import MAX_M_STEPS, MixtureEMStepper, e_step, mean_log_likelihood


@pytest.fixture(scope="module")
def z():
    rng = np.random.default_rng(4)
    means = np.array([[-2.0, 0.0], [1.5, 1.5], [1.0, -2.0]])
    comp = rng.choice(3, 1500, p=[0.5, 0.3, 0.2])
    return means[comp] + rng.standard_normal((1500, 2)) * np.array([0.6, 0.3]) @ np.array([[1, 0.4], [0, 1]])


def sklearn_one_iteration(z, params):
    gm = GaussianMixture(params.k, covariance_type="full", reg_covar=0.0, max_iter=1, tol=0.0,
                         weights_init=params.weights, means_init=params.means,
                         precisions_init=np.linalg.inv(params.covariances))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return gm.fit(z)


@pytest.mark.parametrize("k", [2, 4])
def test_one_e_and_m_step_equal_sklearns_iteration_from_the_same_start(z, k):
    stepper = MixtureEMStepper.start(z, k, seed=1)
    for _ in range(3):  # and again from a later iterate, not only from the initialisation
        start = stepper.params
        gm = sklearn_one_iteration(z, start)
        stepper.e_step()
        stepper.m_step()
        np.testing.assert_allclose(stepper.params.weights, gm.weights_, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(stepper.params.means, gm.means_, rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(stepper.params.covariances, gm.covariances_, rtol=1e-8, atol=1e-10)
        assert stepper.log_likelihoods[-1] == pytest.approx(gm.score(z), rel=1e-10)


@pytest.mark.parametrize("buttons", ["MMMMMM", "EMEMEM", "EEMEMMM", "MEEM"])
def test_log_likelihood_never_decreases_whatever_the_button_order(z, buttons):
    stepper = MixtureEMStepper.start(z, 5, seed=2)
    for b in buttons:
        stepper.e_step() if b == "E" else stepper.m_step()
    stepper.steps(40)
    lls = np.array(stepper.log_likelihoods)
    assert len(lls) == buttons.count("M") + 41
    assert np.all(np.diff(lls) >= -1e-12), np.diff(lls).min()
    assert lls[-1] > lls[0] + 0.1
    for params, ll in zip(stepper.history[-3:], lls[-3:]):
        assert mean_log_likelihood(z, params) == pytest.approx(ll, abs=1e-12)


def test_an_e_step_changes_responsibilities_but_not_the_likelihood(z):
    stepper = MixtureEMStepper.start(z, 3, seed=0)
    stepper.m_step()
    before = stepper.resp.copy()
    stepper.e_step()
    assert len(stepper.log_likelihoods) == 2
    assert not np.allclose(before, stepper.resp)
    np.testing.assert_allclose(stepper.resp.sum(1), 1.0)
    np.testing.assert_allclose(stepper.resp, e_step(z, stepper.params)[0])
    assert stepper.hard_assignments().shape == (len(z),)


def test_a_second_m_step_in_a_row_runs_the_e_step_first(z):
    stepper = MixtureEMStepper.start(z, 3, seed=0)
    stepper.m_step()
    assert "E-step done first" not in stepper.last_action
    stepper.m_step()
    assert "E-step done first" in stepper.last_action


def test_the_number_of_steps_is_capped(z):
    stepper = MixtureEMStepper.start(z[:60], 2, seed=0)
    stepper.steps(10 * MAX_M_STEPS)
    assert stepper.n_m_steps == MAX_M_STEPS and stepper.at_limit
    stepper.m_step()
    assert stepper.n_m_steps == MAX_M_STEPS and "at most" in stepper.last_action


@pytest.mark.parametrize("codes, k, field", [
    (np.zeros((10, 3)), 2, "codes"), (np.zeros((6000, 2)), 2, "codes"), (np.zeros((10, 2)), 6, "k"),
    (np.zeros((10, 2)), 0, "k"), (np.full((10, 2), np.nan), 2, "codes")])
def test_bad_input_is_refused_naming_the_field(codes, k, field):
    with pytest.raises(ConfigError, match=f"^{field}:"):
        MixtureEMStepper.start(codes, k)
