"""How well the aggregate posterior q(z) covers the prior p(z): holes, KL, information.

All figures are computed in the full latent space from the encoder's (mu, log sigma^2)
of every data point, with the exact mixture density from aggregate.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..errors import ConfigError
from .aggregate import log_aggregate_density, log_prior


@dataclass(frozen=True)
class GapStats:
    tau: float
    n_prior_samples: int
    prior_hole_mass: float          # P_{z~p}(log q(z) - log p(z) < -tau)
    prior_hole_se: float            # its Monte Carlo standard error
    kl_aggregate_prior: float       # KL(q(z) || p(z)), Monte Carlo over z ~ q(z)
    kl_aggregate_prior_se: float
    average_kl: float               # (1/N) sum_i KL(q(z|x_i) || p(z)), closed form
    mutual_information: float       # I(x; z) = average_kl - KL(q(z) || p(z))

    def to_dict(self) -> dict:
        return asdict(self)


def average_kl(mu: np.ndarray, logvar: np.ndarray) -> float:
    """The ELBO's KL term averaged over the data: 1/2 sum_d (mu^2 + sigma^2 - log sigma^2 - 1)."""
    mu, logvar = np.asarray(mu, np.float64), np.asarray(logvar, np.float64)
    return float(np.mean(0.5 * np.sum(mu * mu + np.exp(logvar) - logvar - 1.0, axis=1)))


def sample_aggregate(mu: np.ndarray, logvar: np.ndarray, n: int,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """z ~ q(z): pick a data point uniformly, then z = mu_i + sigma_i * eps."""
    idx = rng.integers(0, len(mu), size=n)
    eps = rng.standard_normal((n, mu.shape[1]))
    return mu[idx] + np.exp(0.5 * logvar[idx]) * eps, idx


@dataclass(frozen=True)
class CoverageSamples:
    """log q(z) - log p(z) at prior draws and at aggregate-posterior draws.

    These do not depend on tau, so a page computes them once per model and data
    set and re-thresholds them as the tau slider moves.
    """
    prior_log_ratio: np.ndarray       # at z ~ p(z)
    aggregate_log_ratio: np.ndarray   # at z ~ q(z)
    average_kl: float


def coverage_samples(mu, logvar, n_samples: int = 10_000, seed: int = 0) -> CoverageSamples:
    if n_samples < 100:
        raise ConfigError(f"use at least 100 Monte Carlo samples, got {n_samples}")
    mu, logvar = np.asarray(mu, np.float64), np.asarray(logvar, np.float64)
    rng = np.random.default_rng(seed)
    z_p = rng.standard_normal((n_samples, mu.shape[1]))
    z_q, _ = sample_aggregate(mu, logvar, n_samples, rng)
    both = np.concatenate([z_p, z_q])
    ratio = log_aggregate_density(both, mu, logvar) - log_prior(both)
    return CoverageSamples(ratio[:n_samples], ratio[n_samples:], average_kl(mu, logvar))


def stats_from_samples(samples: CoverageSamples, tau: float) -> GapStats:
    if not tau >= 0:
        raise ConfigError(f"tau must be >= 0 nats, got {tau}")
    n = len(samples.prior_log_ratio)
    hole = float(np.mean(samples.prior_log_ratio < -tau))
    q = samples.aggregate_log_ratio
    kl_qp = float(q.mean())
    return GapStats(tau=float(tau), n_prior_samples=n, prior_hole_mass=hole,
                    prior_hole_se=float(np.sqrt(hole * (1 - hole) / n)),
                    kl_aggregate_prior=kl_qp, kl_aggregate_prior_se=float(q.std(ddof=1) / np.sqrt(len(q))),
                    average_kl=samples.average_kl, mutual_information=samples.average_kl - kl_qp)


def gap_stats(mu, logvar, tau: float = 2.0, n_samples: int = 10_000, seed: int = 0) -> GapStats:
    """Prior-hole mass, KL(q(z) || p(z)), average KL and I(x; z), all in the full latent space."""
    return stats_from_samples(coverage_samples(mu, logvar, n_samples, seed), tau)


def mutual_information_direct(mu, logvar, n_samples: int = 10_000, seed: int = 0) -> float:
    """I(x; z) = E_i E_{z~q(z|x_i)}[log q(z|x_i) - log q(z)], estimated without the identity.

    Used to check average KL = I(x; z) + KL(q(z) || p(z)) numerically.
    """
    mu, logvar = np.asarray(mu, np.float64), np.asarray(logvar, np.float64)
    z, idx = sample_aggregate(mu, logvar, n_samples, np.random.default_rng(seed))
    log_cond = -0.5 * np.sum((z - mu[idx]) ** 2 * np.exp(-logvar[idx]) + logvar[idx] + np.log(2 * np.pi), axis=1)
    return float(np.mean(log_cond - log_aggregate_density(z, mu, logvar)))


def split_prior_samples(mu, logvar, tau: float, n: int = 16, pool: int = 4000, seed: int = 0):
    """Prior draws that land in gaps, and the n of the pool where q(z) itself is highest.

    Returns (gap_z, dense_z, gap_log_ratio, dense_log_q); gap_z may hold fewer
    than n rows when the prior has almost no mass in gaps. "Densest" means the
    highest log q(z), not the highest log q(z) - log p(z): the ratio favours draws
    far out, where p(z) is small, rather than the draws where the codes crowd.
    """
    z = np.random.default_rng(seed).standard_normal((pool, np.shape(mu)[1]))
    log_q = log_aggregate_density(z, mu, logvar)
    ratio = log_q - log_prior(z)
    gap_idx = np.flatnonzero(ratio < -tau)[:n]
    dense_idx = np.argsort(-log_q)[:n]
    return z[gap_idx], z[dense_idx], ratio[gap_idx], log_q[dense_idx]


def gap_stats_by_size(mu, logvar, sizes, tau: float, n_samples: int = 4000, seed: int = 0) -> list[dict]:
    """The gap figures from the first N codes of a fixed random order, for each N in sizes.

    With N codes the empirical q(z) is a mixture of N narrow Gaussians: I(x; z) is
    at most log N, and the prior-hole mass falls as N grows. Watching the figures
    move with N separates a data-size effect from a real hole.
    """
    mu, logvar = np.asarray(mu, np.float64), np.asarray(logvar, np.float64)
    order = np.random.default_rng(seed).permutation(len(mu))
    rows = []
    for size in sizes:
        if not 1 <= size <= len(mu):
            raise ConfigError(f"each size must be between 1 and {len(mu)}, got {size}")
        keep = order[:size]
        s = stats_from_samples(coverage_samples(mu[keep], logvar[keep], n_samples, seed), tau)
        rows.append({"N": int(size), "log N": float(np.log(size)), **s.to_dict()})
    return rows
