"""EM for a 1-D Gaussian mixture, one half-step at a time, for stepping by hand.

The page's "E-step", "M-step" and "Run to convergence" buttons drive this; it
keeps every iterate so the log-likelihood curve can be drawn, and it must obey
EM's monotonicity whatever order the buttons are pressed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import gmm1d


@dataclass
class EMStepper:
    """log_likelihoods[t] is the mean log-likelihood of params_history[t], the
    parameters after t M-steps. An E-step leaves both unchanged: it only
    recomputes responsibilities, which depend on the parameters alone."""

    params: gmm1d.GMMParams
    var_floor: float
    responsibilities_fresh: bool = False
    params_history: list[gmm1d.GMMParams] = field(default_factory=list)
    log_likelihoods: list[float] = field(default_factory=list)
    last_action: str = "initialised"

    @classmethod
    def start(cls, x: np.ndarray, k: int, init: str, var_floor: float, seed: int) -> "EMStepper":
        """Initialise as GaussianMixture1D does, then take the first E-step so
        the responsibilities can be drawn before any M-step."""
        x = np.asarray(x, dtype=float).ravel()
        stepper = cls(gmm1d.initial_params(x, k, init, np.random.default_rng(seed), var_floor), var_floor)
        stepper.e_step(x)
        stepper.last_action = f"initialised by {init}"
        return stepper

    @property
    def n_m_steps(self) -> int:
        return max(len(self.log_likelihoods) - 1, 0)

    @property
    def last_gain(self) -> float | None:
        """Change in mean log-likelihood from the last M-step; never negative."""
        return None if len(self.log_likelihoods) < 2 else self.log_likelihoods[-1] - self.log_likelihoods[-2]

    def _record_start(self, ll: float) -> None:
        if not self.log_likelihoods:
            self.params_history.append(self.params)
            self.log_likelihoods.append(ll)

    def e_step(self, x: np.ndarray) -> np.ndarray:
        """Responsibilities r_ik, shape (K, n)."""
        resp, ll = gmm1d.e_step(np.asarray(x, dtype=float).ravel(), self.params)
        self._record_start(ll)
        self.responsibilities_fresh = True
        self.last_action = "E-step: responsibilities recomputed"
        return resp

    def m_step(self, x: np.ndarray) -> None:
        """An M-step needs responsibilities of the current parameters, so a
        second M-step in a row runs the E-step it needs first."""
        x = np.asarray(x, dtype=float).ravel()
        resp, ll = gmm1d.e_step(x, self.params)
        self._record_start(ll)
        note = "" if self.responsibilities_fresh else " (E-step done first)"
        self.params = gmm1d.m_step(x, resp, self.var_floor)
        self.params_history.append(self.params)
        self.log_likelihoods.append(gmm1d.mean_log_likelihood(x, self.params))
        self.responsibilities_fresh = False
        self.last_action = "M-step: weights, means and variances updated" + note

    def run_to_convergence(self, x: np.ndarray, tol: float, max_iter: int) -> None:
        run = gmm1d.run_em(x, self.params, tol, max_iter, self.var_floor)
        self._record_start(run.log_likelihood_history[0])
        self.params_history.extend(run.params_history[1:])
        self.log_likelihoods.extend(run.log_likelihood_history[1:])
        self.params = run.params
        self.responsibilities_fresh = False
        self.last_action = (f"ran {run.n_iter} EM iterations: " +
                            ("converged" if run.converged else f"stopped at max_iter = {max_iter}"))
