"""Issue 13 items 1-2 in the library: the plane's full-space ratio, "densest" by q, figures against N."""

import numpy as np
import pytest

from vae_core.errors import ConfigError
from vae_core.latent.aggregate import log_aggregate_density, log_prior, plane_log_ratio
from vae_core.latent.gaps import gap_stats_by_size, split_prior_samples


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
