"""EM for a Gaussian mixture with full covariances on 2-D latent codes, one half-step at a time, for stepping
by hand on the latent map.

This is the taught version (the notes' E- and M-steps written out); fit_latent_prior uses scikit-learn's
GaussianMixture, and a test checks that one E-step + M-step here equals one iteration of it from the same start.
    E-step:  r_ik = pi_k N(z_i; mu_k, Sigma_k) / sum_j pi_j N(z_i; mu_j, Sigma_j)
    M-step:  N_k = sum_i r_ik,  pi_k = N_k / n,  mu_k = (1/N_k) sum_i r_ik z_i,
             Sigma_k = (1/N_k) sum_i r_ik (z_i - mu_k)(z_i - mu_k)^T
The M-step is the exact maximiser of the expected complete-data log-likelihood (no covariance regulariser
added), so the mean log-likelihood (1/n) sum_i log sum_k pi_k N(z_i; mu_k, Sigma_k) never decreases. Only a
degenerate component (an eigenvalue of Sigma_k below EIGEN_FLOOR, which needs a handful of codes on a line) is
floored, so the stepper cannot crash on a collapsing component.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from ..errors import ConfigError

MAX_CODES = 5000  # bounded work per step: a visitor's click costs O(n K)
MAX_K = 12
MAX_M_STEPS = 500  # per stepper; a restart starts a new one
EIGEN_FLOOR = 1e-6


@dataclass(frozen=True)
class MixtureParams:
    weights: np.ndarray  # (K,)
    means: np.ndarray  # (K, d)
    covariances: np.ndarray  # (K, d, d)

    @property
    def k(self) -> int:
        return len(self.weights)


def log_component_densities(z: np.ndarray, params: MixtureParams) -> np.ndarray:
    """log pi_k + log N(z_i; mu_k, Sigma_k), shape (n, K)."""
    n, d = z.shape
    chol = np.linalg.cholesky(params.covariances)  # Sigma_k = L_k L_k^T
    diff = z[None, :, :] - params.means[:, None, :]  # (K, n, d)
    solved = np.linalg.solve(chol, diff.transpose(0, 2, 1))  # L_k^{-1} (z_i - mu_k), (K, d, n)
    maha = (solved ** 2).sum(1)  # (K, n)
    log_det = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(1)  # (K,)
    log_n = -0.5 * (d * np.log(2 * np.pi) + log_det[:, None] + maha)
    return (np.log(params.weights)[:, None] + log_n).T


def e_step(z: np.ndarray, params: MixtureParams) -> tuple[np.ndarray, float]:
    """Responsibilities r_ik (n, K) and the mean log-likelihood of the parameters."""
    log_joint = log_component_densities(z, params)
    log_norm = logsumexp(log_joint, axis=1)
    return np.exp(log_joint - log_norm[:, None]), float(log_norm.mean())


def m_step(z: np.ndarray, resp: np.ndarray) -> MixtureParams:
    nk = resp.sum(0) + 10 * np.finfo(float).eps  # scikit-learn's guard against an empty component
    means = resp.T @ z / nk[:, None]
    diff = z[None, :, :] - means[:, None, :]
    covs = np.einsum("nk,kni,knj->kij", resp, diff, diff) / nk[:, None, None]
    vals, vecs = np.linalg.eigh(covs)
    if vals.min() < EIGEN_FLOOR:  # only a collapsing component; see the module note
        covs = np.einsum("kij,kj,klj->kil", vecs, np.maximum(vals, EIGEN_FLOOR), vecs)
    return MixtureParams(nk / nk.sum(), means, covs)


def mean_log_likelihood(z: np.ndarray, params: MixtureParams) -> float:
    return float(logsumexp(log_component_densities(z, params), axis=1).mean())


def initial_params(z: np.ndarray, k: int, seed: int) -> MixtureParams:
    """K distinct codes picked at random as means, each covariance the codes' covariance, equal weights."""
    rng = np.random.default_rng(seed)
    means = z[rng.choice(len(z), size=k, replace=False)]
    cov = np.cov(z.T) + EIGEN_FLOOR * np.eye(z.shape[1])
    return MixtureParams(np.full(k, 1.0 / k), means.copy(), np.repeat(cov[None], k, axis=0))


def check_codes(z, k: int) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] != 2:
        raise ConfigError(f"codes: the EM stepper runs on 2-D latent codes, got shape {z.shape}")
    if not 2 <= len(z) <= MAX_CODES:
        raise ConfigError(f"codes: need between 2 and {MAX_CODES:,} codes, got {len(z):,}")
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= min(MAX_K, len(z) // 2):
        raise ConfigError(f"k: choose between 1 and {min(MAX_K, len(z) // 2)} components for {len(z):,} codes, "
                          f"got {k!r}")
    if not np.isfinite(z).all():
        raise ConfigError("codes: contain NaN or infinite values")
    return z


@dataclass
class MixtureEMStepper:
    """log_likelihoods[t] is the mean log-likelihood after t M-steps; history[t] the parameters then.
    An E-step leaves both unchanged: it only recomputes the responsibilities, which depend on the parameters."""

    z: np.ndarray
    params: MixtureParams
    resp: np.ndarray
    responsibilities_fresh: bool = True
    history: list[MixtureParams] = field(default_factory=list)
    log_likelihoods: list[float] = field(default_factory=list)
    last_action: str = "initialised"

    @classmethod
    def start(cls, z, k: int, seed: int = 0) -> MixtureEMStepper:
        z = check_codes(z, k)
        params = initial_params(z, int(k), seed)
        resp, ll = e_step(z, params)
        return cls(z, params, resp, True, [params], [ll],
                   f"initialised: {k} codes picked at random as means, the codes' covariance for every Σ_k, "
                   "equal weights; responsibilities computed (E-step)")

    @property
    def n_m_steps(self) -> int:
        return len(self.log_likelihoods) - 1

    @property
    def at_limit(self) -> bool:
        return self.n_m_steps >= MAX_M_STEPS

    @property
    def last_gain(self) -> float | None:
        return None if len(self.log_likelihoods) < 2 else self.log_likelihoods[-1] - self.log_likelihoods[-2]

    def e_step(self) -> None:
        self.resp, _ = e_step(self.z, self.params)
        self.responsibilities_fresh = True
        self.last_action = "E-step: responsibilities r_ik recomputed from the current π_k, μ_k, Σ_k"

    def m_step(self) -> None:
        """An M-step needs the responsibilities of the current parameters, so a second M-step in a row runs
        the E-step first. Refused past MAX_M_STEPS (restart to go on)."""
        if self.at_limit:
            self.last_action = f"stopped: at most {MAX_M_STEPS} M-steps per run; press Reset to start again"
            return
        note = ""
        if not self.responsibilities_fresh:
            self.resp, _ = e_step(self.z, self.params)
            note = " (E-step done first)"
        self.params = m_step(self.z, self.resp)
        self.history.append(self.params)
        self.log_likelihoods.append(mean_log_likelihood(self.z, self.params))
        del self.history[:-MAX_M_STEPS - 1]
        self.responsibilities_fresh = False
        self.last_action = "M-step: π_k, μ_k, Σ_k re-estimated from the responsibilities" + note

    def steps(self, n: int) -> None:
        """n full EM iterations (E-step then M-step), within the cap."""
        for _ in range(max(0, min(int(n), MAX_M_STEPS - self.n_m_steps))):
            self.e_step()
            self.m_step()
        self.last_action = f"ran EM to M-step {self.n_m_steps}" + (
            f" (the cap of {MAX_M_STEPS})" if self.at_limit else "")

    def hard_assignments(self) -> np.ndarray:
        """argmax_k r_ik, the component each code leans to (from the last E-step)."""
        return self.resp.argmax(1)
