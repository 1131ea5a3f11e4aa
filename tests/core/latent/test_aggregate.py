"""The aggregate posterior q(z) and the gap statistics built on it."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from vae_core.errors import ConfigError
from vae_core.latent.aggregate import (
    auto_box,
    density_grid,
    encode_dataset,
    gap_mask,
    grid_axes,
    log_aggregate_density,
    log_prior,
    plane_log_ratio,
)
from vae_core.latent.gaps import (
    coverage_samples,
    gap_stats,
    gap_stats_by_size,
    mutual_information_direct,
    split_prior_samples,
    stats_from_samples,
)


def mixture(n=300, d=2, seed=0, scale=2.0, var=(0.01, 0.2)):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=scale, size=(4, d))
    mu = centres[rng.integers(0, 4, n)] + 0.3 * rng.normal(size=(n, d))
    logvar = np.log(rng.uniform(*var, size=(n, d)))
    return mu, logvar


def naive_log_q(z, mu, cov):
    dens = np.array([[multivariate_normal(m, c).pdf(p) for m, c in zip(mu, cov)] for p in z])
    return np.log(dens.mean(axis=1))


def test_log_density_equals_the_naive_mixture_for_diagonal_and_full_covariances():
    mu, logvar = mixture(n=40, d=3)
    z = np.random.default_rng(1).normal(scale=2, size=(25, 3))
    cov = np.einsum("nd,de->nde", np.exp(logvar), np.eye(3))
    expected = naive_log_q(z, mu, cov)
    np.testing.assert_allclose(log_aggregate_density(z, mu, logvar), expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(log_aggregate_density(z, mu, cov, chunk=7), expected, rtol=1e-9, atol=1e-9)
    rot = np.linalg.qr(np.random.default_rng(2).normal(size=(3, 3)))[0]
    full = rot @ cov @ rot.T
    np.testing.assert_allclose(log_aggregate_density(z, mu, full), naive_log_q(z, mu, full), rtol=1e-9, atol=1e-9)


def test_grid_density_integrates_to_one_over_a_wide_box():
    mu, logvar = mixture()
    xs, ys = grid_axes((-12, -12), (12, 12), 200)
    log_q = density_grid(mu, logvar, xs, ys)
    mass = np.exp(log_q).sum() * (xs[1] - xs[0]) * (ys[1] - ys[0])
    assert abs(mass - 1) < 1e-2


def test_separable_grid_matches_pointwise_evaluation_far_from_the_data():
    # Two tight clusters on a diagonal: the off-diagonal corners underflow the
    # fast product and must be recomputed exactly.
    mu = np.array([[-3.0, -3.0], [3.0, 3.0]])
    logvar = np.full((2, 2), np.log(0.01))
    xs, ys = grid_axes((-5, -5), (5, 5), 60)
    grid = density_grid(mu, logvar, xs, ys)
    gx, gy = np.meshgrid(xs, ys)
    exact = log_aggregate_density(np.column_stack([gx.ravel(), gy.ravel()]), mu, logvar).reshape(grid.shape)
    assert np.isfinite(grid).all()
    np.testing.assert_allclose(grid, exact, rtol=1e-9, atol=1e-6)
    assert grid[0, -1] < -1000  # the corner at (5, -5) is far from both clusters


def test_posteriors_equal_to_the_prior_leave_no_holes_and_no_kl():
    mu, logvar = np.zeros((200, 4)), np.zeros((200, 4))
    s = gap_stats(mu, logvar, tau=0.5, n_samples=5000)
    assert s.prior_hole_mass == 0.0
    assert abs(s.kl_aggregate_prior) < 1e-9
    assert s.average_kl == 0.0 and abs(s.mutual_information) < 1e-9


def test_information_identity_holds_numerically():
    mu, logvar = mixture(n=400, d=2, seed=3)
    s = gap_stats(mu, logvar, n_samples=20_000, seed=4)
    direct = mutual_information_direct(mu, logvar, n_samples=20_000, seed=5)
    # average KL = I(x; z) + KL(q(z) || p(z)); both sides are Monte Carlo, so compare within a few SE.
    assert abs(s.average_kl - (direct + s.kl_aggregate_prior)) < 4 * s.kl_aggregate_prior_se + 0.05
    assert s.mutual_information <= np.log(400) + 1e-6  # I(x; z) <= H(x) = log N


def test_gap_shading_agrees_with_the_prior_hole_mass():
    mu, logvar = mixture(n=300, d=2, seed=6, scale=1.0, var=(0.05, 0.3))
    tau = 1.0
    s = gap_stats(mu, logvar, tau=tau, n_samples=20_000, seed=7)
    xs, ys = grid_axes((-6, -6), (6, 6), 200)
    log_q = density_grid(mu, logvar, xs, ys)
    gx, gy = np.meshgrid(xs, ys)
    log_p = log_prior(np.column_stack([gx.ravel(), gy.ravel()])).reshape(log_q.shape)
    shaded = gap_mask(log_q, log_p, tau)
    shaded_prior_mass = (np.exp(log_p) * shaded).sum() * (xs[1] - xs[0]) * (ys[1] - ys[0])
    assert 0.05 < s.prior_hole_mass < 0.95
    assert abs(shaded_prior_mass - s.prior_hole_mass) < 4 * s.prior_hole_se + 0.01


def test_tau_only_rethresholds_cached_samples():
    mu, logvar = mixture(n=100, d=2)
    samples = coverage_samples(mu, logvar, n_samples=2000)
    masses = [stats_from_samples(samples, tau).prior_hole_mass for tau in (0.0, 1.0, 3.0, 10.0)]
    assert masses == sorted(masses, reverse=True)
    with pytest.raises(ConfigError, match="tau"):
        stats_from_samples(samples, -1.0)


def test_split_prior_samples_separates_gaps_from_dense_regions():
    mu, logvar = mixture(n=200, d=2, seed=8)
    gap_z, dense_z, gap_ratio, dense_log_q = split_prior_samples(mu, logvar, tau=2.0, n=16)
    assert len(gap_z) == 16 and len(dense_z) == 16
    assert (gap_ratio < -2.0).all() and dense_log_q.min() > log_aggregate_density(gap_z, mu, logvar).max()
    np.testing.assert_allclose(log_aggregate_density(gap_z, mu, logvar) - log_prior(gap_z), gap_ratio)


def test_bad_shapes_get_clear_messages():
    with pytest.raises(ConfigError, match="means"):
        log_aggregate_density(np.zeros((3, 2)), np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ConfigError, match="variances"):
        log_aggregate_density(np.zeros((3, 2)), np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ConfigError, match="points"):
        log_aggregate_density(np.zeros((3, 3)), np.zeros((4, 2)), np.zeros((4, 2)))
    with pytest.raises(ConfigError, match="grid"):
        grid_axes((0, 0), (-1, 1), 10)


def test_encode_dataset_and_auto_box(tiny_model):
    x = np.random.default_rng(0).random((7, 16)).astype(np.float32)
    mu, logvar = encode_dataset(tiny_model, x, batch=3)
    assert mu.shape == (7, 2) and logvar.shape == (7, 2)
    lo, hi = auto_box(mu)
    assert lo[0] <= -3 and hi[0] >= 3  # always shows the prior's 3 sigma


def test_leaving_out_components_far_below_the_nearest_changes_nothing_float64_can_see():
    """The log-sum-exp exponentiates only the components within PRUNE_NATS of the largest term;
    on a spiky 16-D mixture that is a few of thousands, and the result must
    still equal scipy's full log-sum-exp over every component, near the codes and far from them."""
    import torch
    from scipy.special import logsumexp

    from vae_core.latent.aggregate import PRUNE_NATS, _components, _features

    mu, logvar = mixture(n=3000, d=16, scale=3.0, var=(0.001, 0.05))
    rng = np.random.default_rng(3)
    z = np.concatenate([rng.standard_normal((300, 16)),                 # prior draws: mostly in gaps
                        mu[:300] + 0.05 * rng.standard_normal((300, 16)),  # on the codes
                        40 * rng.standard_normal((20, 16))])             # very far out
    w, const, diagonal = _components(mu, logvar)
    logits = (torch.addmm(const, _features(torch.from_numpy(z), diagonal), w)).numpy()
    reference = logsumexp(logits, axis=1) - np.log(len(mu))
    np.testing.assert_allclose(log_aggregate_density(z, mu, logvar, chunk=97), reference, rtol=1e-13, atol=1e-10)
    kept = (logits > logits.max(axis=1, keepdims=True) - PRUNE_NATS).sum(axis=1)
    assert np.median(kept) < 0.1 * len(mu)  # the case the pruning is for: most components are left out


def codes(n=300, d=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) * 1.5, rng.normal(-2.0, 0.5, size=(n, d))


def test_plane_ratio_is_the_full_space_ratio_at_the_planes_z():
    mu, logvar = codes()
    basis = np.linalg.qr(np.random.default_rng(1).normal(size=(6, 2)))[0].T
    u = np.random.default_rng(2).normal(size=(40, 2)) * 2
    z = u @ basis
    want = log_aggregate_density(z, mu, logvar) - log_prior(z)
    np.testing.assert_allclose(plane_log_ratio(u, basis, mu, logvar), want, rtol=0, atol=1e-9)
    with pytest.raises(ConfigError, match="basis"):
        plane_log_ratio(u, basis[:, :3], mu, logvar)


def test_densest_prior_samples_are_those_with_the_highest_q():
    mu, logvar = codes(d=2)
    pool = np.random.default_rng(5).standard_normal((1000, 2))
    _, dense_z, _, dense_log_q = split_prior_samples(mu, logvar, tau=2.0, n=16, pool=1000, seed=5)
    log_q = log_aggregate_density(pool, mu, logvar)
    np.testing.assert_allclose(np.sort(dense_log_q), np.sort(log_q)[-16:])
    np.testing.assert_allclose(log_aggregate_density(dense_z, mu, logvar), dense_log_q)


def test_mutual_information_stays_below_log_n_and_rows_follow_n():
    mu, logvar = codes(n=400, d=8)
    logvar = logvar - 4.0  # narrow posteriors: I(x; z) presses against log N
    rows = gap_stats_by_size(mu, logvar, [50, 200, 400], tau=2.0, n_samples=500)
    assert [r["N"] for r in rows] == [50, 200, 400]
    for r in rows:
        # I(x; z) <= log N exactly; the estimate carries the Monte Carlo error of KL(q || p).
        assert r["mutual_information"] <= r["log N"] + 4 * r["kl_aggregate_prior_se"]
        assert r["log N"] - r["mutual_information"] < 4 * r["kl_aggregate_prior_se"] + 0.1
    with pytest.raises(ConfigError, match="size"):
        gap_stats_by_size(mu, logvar, [401], tau=2.0)
