"""EM's lower bound F(q, theta): F <= L always, F = L after an E-step, and the chain of the notes."""

import numpy as np
import pytest

from vae_core.oned import data1d, gmm1d
from vae_core.oned.em_stepper import EMStepper
from vae_core.oned.free_energy import entropy, expected_complete_log_likelihood, free_energy


@pytest.fixture(scope="module")
def x():
    return data1d.sample(data1d.DEFAULT_MIXTURE, 600, seed=5)


def test_f_equals_l_for_the_posterior_and_is_lower_for_any_other_q(x):
    params = gmm1d.initial_params(x, 3, "random", np.random.default_rng(0), 1e-6)
    resp, ll = gmm1d.e_step(x, params)
    assert free_energy(x, resp, params) == pytest.approx(ll, abs=1e-10)
    rng = np.random.default_rng(1)
    for _ in range(5):
        q = rng.dirichlet(np.ones(3), size=x.size).T
        assert free_energy(x, q, params) < ll
    # the gap is the mean KL from q to the posterior
    q = rng.dirichlet(np.ones(3), size=x.size).T
    kl = np.mean(np.sum(q * (np.log(q) - np.log(resp)), axis=0))
    assert ll - free_energy(x, q, params) == pytest.approx(kl, abs=1e-10)


def test_hard_assignments_have_zero_entropy_and_finite_bound(x):
    params = gmm1d.initial_params(x, 2, "quantiles", np.random.default_rng(0), 1e-6)
    q = np.zeros((2, x.size))
    q[0, : x.size // 2] = 1
    q[1, x.size // 2:] = 1
    assert entropy(q) == 0.0
    assert np.isfinite(expected_complete_log_likelihood(x, q, params))


@pytest.mark.parametrize("buttons", ["EMEMEM", "MMMM", "MEEMRM", "RMEM"])
def test_f_below_l_at_every_half_step_and_equal_after_each_e_step(x, buttons):
    stepper = EMStepper.start(x, 4, "random", 1e-6, seed=2)
    for b in buttons:
        {"E": stepper.e_step, "M": stepper.m_step,
         "R": lambda data: stepper.run_to_convergence(data, 1e-6, 40)}[b](x)
    steps = stepper.half_steps
    assert steps[0].kind == "E" and [s.index for s in steps] == list(range(len(steps)))
    assert sum(s.kind == "M" for s in steps) == stepper.n_m_steps
    for s in steps:
        assert s.bound <= s.log_likelihood + 1e-10
        if s.kind == "E":
            assert s.bound == pytest.approx(s.log_likelihood, abs=1e-10)
        assert s.log_likelihood == pytest.approx(stepper.log_likelihoods[s.m_steps], abs=1e-12)
    for before, after in zip(steps, steps[1:]):
        if before.kind == "E" and after.kind == "M":  # the chain, at every iteration
            assert before.log_likelihood == pytest.approx(before.bound, abs=1e-10)
            assert before.bound <= after.bound + 1e-12 <= after.log_likelihood + 2e-12


def test_last_chain_names_the_last_e_and_m_steps(x):
    stepper = EMStepper.start(x, 3, "kmeans++", 1e-6, seed=0)
    assert stepper.last_chain() is None
    stepper.m_step(x)
    stepper.e_step(x)
    e, m = stepper.last_chain()
    assert (e.kind, m.kind, m.m_steps) == ("E", "M", 1)
    assert e.log_likelihood == stepper.log_likelihoods[0] and m.log_likelihood == stepper.log_likelihoods[1]
    assert m.bound > e.bound  # from a k-means start the M-step gains strictly


def test_a_long_run_keeps_a_bounded_record(x, monkeypatch):
    import vae_core.oned.em_stepper as em

    monkeypatch.setattr(em, "MAX_RUN_BOUNDS", 5)
    stepper = EMStepper.start(x, 5, "random", 1e-6, seed=3)
    stepper.run_to_convergence(x, 0.0, 30)
    assert stepper.n_m_steps == 30
    assert [s.m_steps for s in stepper.half_steps if s.kind == "M"] == list(range(26, 31))
