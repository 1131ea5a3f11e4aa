"""The latent map's coverage figures in 2-D, by quadrature instead of Monte Carlo.

With a 2-D latent the aggregate posterior q(z) = (1/N) sum_i N(z; mu_i, sigma_i^2) is cheap to evaluate on a
whole grid (aggregate.density_grid: one matrix product), so

    KL(q(z) || p(z)) = integral q (log q - log p) dz        and
    prior-hole mass  = integral p(z) 1[log q(z) - log p(z) < -tau] dz

are sums over grid cells, with no sampling noise. The grid covers the prior to 8 sigma and every code to 8 of
its own sigma, and its spacing is at most the narrowest code's sigma, where the trapezoid rule on a Gaussian
is accurate to far below a millinat. The hole mass carries an error bound: a cell whose four corners disagree
about being in a gap holds the gap's boundary, and the true mass in it lies between 0 and the cell's largest
prior mass, so the sum of those cells' largest masses (plus the prior's mass outside the box) bounds the
error. The KL carries the change from a grid of twice the spacing: a convergence check, not a bound.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import ConfigError
from .aggregate import density_grid, log_prior
from .gaps import average_kl

MAX_POINTS = 801  # per axis: 640,000 cells, a few seconds for 5,000 codes
MARGIN_SIGMAS = 8.0


@dataclass(frozen=True)
class ExactCoverage:
    tau: float
    prior_hole_mass: float
    prior_hole_bound: float         # |true - prior_hole_mass| is at most this
    hole_grid_change: float         # |value - value on the grid of twice the spacing|: a check
    kl_aggregate_prior: float       # KL(q(z) || p(z)) by quadrature
    kl_grid_change: float           # |value - value on the grid of twice the spacing|
    average_kl: float
    mutual_information: float       # average_kl - KL(q(z) || p(z))
    q_mass_on_grid: float           # integral of q over the grid: 1 up to quadrature error
    points: int                     # grid points per axis
    spacing: float

    def to_dict(self) -> dict:
        return asdict(self)


def _trapezoid_weights(n: int) -> np.ndarray:
    w = np.ones(n)
    w[0] = w[-1] = 0.5
    return w


def _integral(values: np.ndarray, h: float) -> float:
    wy, wx = _trapezoid_weights(values.shape[0]), _trapezoid_weights(values.shape[1])
    return float(wy @ values @ wx * h * h)


@dataclass(frozen=True)
class CoverageGrid:
    """log q(z) and log p(z) on the square grid axis x axis (rows index z_2): the part that does not depend on
    tau, computed once per model so that a tau slider only re-thresholds it."""

    axis: np.ndarray
    log_q: np.ndarray
    log_p: np.ndarray
    average_kl: float

    @property
    def spacing(self) -> float:
        return float(self.axis[1] - self.axis[0])


def coverage_grid(mu, logvar, max_points: int = MAX_POINTS) -> CoverageGrid:
    mu, logvar = np.asarray(mu, np.float64), np.asarray(logvar, np.float64)
    if mu.ndim != 2 or mu.shape[1] != 2 or logvar.shape != mu.shape:
        raise ConfigError("exact coverage figures need 2-D codes (N, 2) with their log-variances")
    sigma = np.exp(0.5 * logvar)
    lo = min(float((mu - MARGIN_SIGMAS * sigma).min()), -MARGIN_SIGMAS)
    hi = max(float((mu + MARGIN_SIGMAS * sigma).max()), MARGIN_SIGMAS)
    # an even number of intervals, so every other point is the grid of twice the spacing
    intervals = int(math.ceil((hi - lo) / max(float(sigma.min()), 1e-9)))
    intervals = min(max(intervals + intervals % 2, 200), max_points - 1 - (max_points - 1) % 2)
    axis = np.linspace(lo, hi, intervals + 1)
    log_q = density_grid(mu, logvar, axis, axis)
    gx, gy = np.meshgrid(axis, axis)
    log_p = log_prior(np.column_stack([gx.ravel(), gy.ravel()])).reshape(log_q.shape)
    return CoverageGrid(axis, log_q, log_p, average_kl(mu, logvar))


def _hole(p: np.ndarray, in_gap: np.ndarray, h: float) -> tuple[float, float]:
    """The trapezoid sum of p over the gap, and the bound on its error from the cells the boundary crosses."""
    corners = np.stack([in_gap[:-1, :-1], in_gap[1:, :-1], in_gap[:-1, 1:], in_gap[1:, 1:]])
    straddles = corners.any(0) & ~corners.all(0)
    cell_max = np.maximum.reduce([p[:-1, :-1], p[1:, :-1], p[:-1, 1:], p[1:, 1:]])
    return _integral(p * in_gap, h), float((cell_max * straddles).sum() * h * h)


def exact_from_grid(grid: CoverageGrid, tau: float = 2.0) -> ExactCoverage:
    if not tau >= 0:
        raise ConfigError(f"tau must be >= 0 nats, got {tau}")
    h, log_q, log_p = grid.spacing, grid.log_q, grid.log_p
    q, p = np.exp(log_q), np.exp(log_p)
    kl_density = q * (log_q - log_p)
    kl = _integral(kl_density, h)
    kl_coarse = _integral(kl_density[::2, ::2], 2 * h)
    in_gap = (log_q - log_p) < -tau
    hole, crossed = _hole(p, in_gap, h)
    hole_coarse, _ = _hole(p[::2, ::2], in_gap[::2, ::2], 2 * h)
    outside = 1.0 - _box_mass(float(grid.axis[0]), float(grid.axis[-1]))
    return ExactCoverage(tau=float(tau), prior_hole_mass=hole, prior_hole_bound=crossed + outside,
                         hole_grid_change=abs(hole - hole_coarse),
                         kl_aggregate_prior=kl, kl_grid_change=abs(kl - kl_coarse), average_kl=grid.average_kl,
                         mutual_information=grid.average_kl - kl, q_mass_on_grid=_integral(q, h),
                         points=len(grid.axis), spacing=h)


def exact_coverage(mu, logvar, tau: float = 2.0, max_points: int = MAX_POINTS) -> ExactCoverage:
    """KL(q(z) || p(z)), the prior-hole mass at tau and I(x; z) of 2-D codes, by quadrature (see above)."""
    return exact_from_grid(coverage_grid(mu, logvar, max_points), tau)


def _box_mass(lo: float, hi: float) -> float:
    """N(0, I) mass of the square [lo, hi]^2."""
    one = 0.5 * (math.erf(hi / math.sqrt(2)) - math.erf(lo / math.sqrt(2)))
    return one * one
