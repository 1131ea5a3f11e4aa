"""The 2-D coverage figures by quadrature: they agree with Monte Carlo within its error, with a finer grid within
their stated bound, and with closed forms where there are some."""

import math

import numpy as np
import pytest

from vae_core.errors import ConfigError
from vae_core.latent.exact_coverage import coverage_grid, exact_coverage, exact_from_grid
from vae_core.latent.gaps import gap_stats


@pytest.fixture(scope="module")
def codes():
    rng = np.random.default_rng(0)
    centres = np.array([[-1.5, 0.0], [1.5, 0.5], [0.0, -1.8]])
    mu = centres[rng.integers(0, 3, 300)] + 0.3 * rng.standard_normal((300, 2))
    logvar = np.log(rng.uniform(0.05, 0.2, (300, 2)) ** 2)
    return mu, logvar


def test_one_gaussian_at_the_prior_has_no_kl_and_no_holes():
    e = exact_coverage(np.zeros((1, 2)), np.zeros((1, 2)), tau=2.0)
    assert e.kl_aggregate_prior == pytest.approx(0.0, abs=1e-9)
    assert e.prior_hole_mass == pytest.approx(0.0, abs=1e-12) and e.q_mass_on_grid == pytest.approx(1.0, abs=1e-9)


def test_a_shifted_gaussian_matches_the_closed_forms():
    # q = N(m, I), p = N(0, I): KL = |m|^2 / 2; the gap log q - log p = m.z - |m|^2/2 < -tau is the half-plane
    # m.z < |m|^2/2 - tau, and m.z ~ N(0, |m|^2) under p, so its prior mass is Phi((|m|^2/2 - tau) / |m|).
    m = np.array([[1.2, -0.5]])
    e = exact_coverage(m, np.zeros((1, 2)), tau=1.0)
    norm = float(np.linalg.norm(m))
    assert e.kl_aggregate_prior == pytest.approx(norm ** 2 / 2, abs=1e-6)
    expected = 0.5 * (1 + math.erf((norm ** 2 / 2 - 1.0) / norm / math.sqrt(2)))
    assert abs(e.prior_hole_mass - expected) <= e.prior_hole_bound
    assert abs(e.prior_hole_mass - expected) < 1e-3


def test_quadrature_agrees_with_monte_carlo_and_a_finer_grid_within_its_bound(codes):
    mu, logvar = codes
    e = exact_coverage(mu, logvar, tau=2.0, max_points=401)
    fine = exact_coverage(mu, logvar, tau=2.0, max_points=1201)
    mc = gap_stats(mu, logvar, tau=2.0, n_samples=40_000, seed=3)
    assert abs(e.prior_hole_mass - fine.prior_hole_mass) <= e.prior_hole_bound
    assert abs(e.kl_aggregate_prior - fine.kl_aggregate_prior) < 1e-3
    assert abs(e.prior_hole_mass - mc.prior_hole_mass) < 4 * mc.prior_hole_se
    assert abs(e.kl_aggregate_prior - mc.kl_aggregate_prior) < 4 * mc.kl_aggregate_prior_se
    assert e.mutual_information == pytest.approx(e.average_kl - e.kl_aggregate_prior)


def test_one_grid_serves_every_tau(codes):
    grid = coverage_grid(*codes, max_points=401)
    masses = [exact_from_grid(grid, tau).prior_hole_mass for tau in (0.5, 2.0, 5.0)]
    assert masses[0] > masses[1] > masses[2]
    with pytest.raises(ConfigError, match="tau"):
        exact_from_grid(grid, -1.0)
    with pytest.raises(ConfigError, match="2-D"):
        exact_coverage(np.zeros((3, 3)), np.zeros((3, 3)))
