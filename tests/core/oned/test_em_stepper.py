import numpy as np
import pytest

from vae_core.oned import data1d, gmm1d
from vae_core.oned.em_stepper import EMStepper


@pytest.fixture(scope="module")
def x():
    return data1d.sample(data1d.DEFAULT_MIXTURE, 800, seed=3)


def test_start_is_the_models_initialisation_after_one_e_step(x):
    stepper = EMStepper.start(x, 3, "quantiles", 1e-6, seed=0)
    expected = gmm1d.initial_params(x, 3, "quantiles", np.random.default_rng(0), 1e-6)
    np.testing.assert_array_equal(stepper.params.means, expected.means)
    assert stepper.log_likelihoods == [pytest.approx(gmm1d.mean_log_likelihood(x, expected))]
    assert stepper.n_m_steps == 0 and stepper.last_gain is None
    assert stepper.responsibilities_fresh and "quantiles" in stepper.last_action


def test_e_step_returns_responsibilities_and_leaves_the_likelihood_alone(x):
    stepper = EMStepper.start(x, 3, "kmeans++", 1e-6, seed=1)
    resp = stepper.e_step(x)
    np.testing.assert_allclose(resp.sum(axis=0), 1.0)
    assert len(stepper.log_likelihoods) == 1


@pytest.mark.parametrize("buttons", ["MMMM", "EMEMEM", "MEEMRM", "RMEM"])
def test_any_button_order_is_monotone_and_keeps_a_consistent_history(x, buttons):
    stepper = EMStepper.start(x, 4, "random", 1e-6, seed=2)
    for b in buttons:
        {"E": stepper.e_step, "M": stepper.m_step,
         "R": lambda data: stepper.run_to_convergence(data, 1e-4, 50)}[b](x)
    lls = np.array(stepper.log_likelihoods)
    assert np.all(np.diff(lls) >= -1e-12)
    assert len(stepper.params_history) == lls.size == stepper.n_m_steps + 1
    for params, ll in zip(stepper.params_history, lls):
        assert gmm1d.mean_log_likelihood(x, params) == pytest.approx(ll, abs=1e-12)
    assert stepper.params is stepper.params_history[-1]
    assert stepper.last_gain == pytest.approx(lls[-1] - lls[-2])


def test_a_second_m_step_in_a_row_says_it_ran_the_e_step(x):
    stepper = EMStepper.start(x, 3, "kmeans++", 1e-6, seed=0)
    stepper.m_step(x)
    assert "E-step done first" not in stepper.last_action
    stepper.m_step(x)
    assert "E-step done first" in stepper.last_action


def test_m_steps_by_hand_equal_the_models_em_from_the_same_start(x):
    stepper = EMStepper.start(x, 3, "kmeans++", 1e-6, seed=5)
    model = gmm1d.GaussianMixture1D(3, init_params=stepper.params, tol=0, max_iter=7).fit(x)
    for _ in range(7):
        stepper.m_step(x)
    np.testing.assert_allclose(stepper.log_likelihoods, model.log_likelihood_history_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(stepper.params.means, model.means_, rtol=0, atol=1e-10)


def test_run_to_convergence_reports_how_it_stopped(x):
    stepper = EMStepper.start(x, 3, "kmeans++", 1e-6, seed=0)
    stepper.run_to_convergence(x, tol=0.0, max_iter=5)
    assert stepper.n_m_steps == 5 and "max_iter = 5" in stepper.last_action
    stepper.run_to_convergence(x, tol=1e-3, max_iter=500)
    assert "converged" in stepper.last_action
    assert not stepper.responsibilities_fresh
