"""EM's lower bound on the mean log-likelihood of a 1-D Gaussian mixture.

For any distribution q_i over the component z_i of each point,
    F(q, theta) = (1/n) sum_i [ sum_k q_ik log p(x_i, z_i = k | theta) - sum_k q_ik log q_ik ]
               = L(theta) - (1/n) sum_i KL(q_i || p(z_i | x_i, theta)) <= L(theta),
with equality when q is the posterior (the E-step). The M-step maximises the first term
over theta with q fixed, so L(theta_k) = F(q_{k+1}, theta_k) <= F(q_{k+1}, theta_{k+1}) <= L(theta_{k+1}).
Written out here from the notes' formula, not from gmm1d's E-step code, so the test that
F equals L after an E-step checks one against the other.
"""

from __future__ import annotations

import math

import numpy as np

from .gmm1d import GMMParams

LOG_2PI = math.log(2.0 * math.pi)


def log_complete(x: np.ndarray, params: GMMParams) -> np.ndarray:
    """log p(x_i, z_i = k | theta) = log pi_k + log N(x_i; mu_k, sigma_k^2), shape (K, n)."""
    x = np.asarray(x, dtype=float).ravel()
    with np.errstate(divide="ignore"):
        log_w = np.log(params.weights)[:, None]
    var = params.variances[:, None]
    return log_w - 0.5 * (LOG_2PI + np.log(var)) - 0.5 * (x[None, :] - params.means[:, None]) ** 2 / var


def expected_complete_log_likelihood(x: np.ndarray, q: np.ndarray, params: GMMParams) -> float:
    """(1/n) sum_i sum_k q_ik log p(x_i, z_i = k | theta); a term with q_ik = 0 counts 0."""
    log_p = log_complete(x, params)
    terms = np.where(q > 0, q * np.where(np.isfinite(log_p), log_p, 0.0), 0.0)
    return float(terms.sum() / q.shape[1])


def entropy(q: np.ndarray) -> float:
    """(1/n) sum_i H(q_i) = -(1/n) sum_i sum_k q_ik log q_ik, with 0 log 0 = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(q > 0, q * np.log(q), 0.0)
    return float(-terms.sum() / q.shape[1])


def free_energy(x: np.ndarray, q: np.ndarray, params: GMMParams) -> float:
    """F(q, theta) per data point; q is (K, n), each column a distribution over components."""
    return expected_complete_log_likelihood(x, q, params) + entropy(q)
