"""EM stepping state for the 1-D page, kept in st.session_state between reruns.

Plain Python (no streamlit) so the page only stores and displays it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vae_core import gmm1d


@dataclass
class EMStepper:
    """EM one half-step at a time. log_likelihoods[t] is the mean
    log-likelihood after t M-steps; the E-step leaves it unchanged because it
    only recomputes responsibilities."""

    key: tuple
    params: gmm1d.GMMParams
    var_floor: float
    responsibilities_fresh: bool = False
    log_likelihoods: list[float] = field(default_factory=list)
    last_action: str = "initialised"

    def e_step(self, x: np.ndarray) -> None:
        _, ll = gmm1d.e_step(x, self.params)
        if not self.log_likelihoods:
            self.log_likelihoods.append(ll)
        self.responsibilities_fresh = True
        self.last_action = "E-step: responsibilities recomputed"

    def m_step(self, x: np.ndarray) -> None:
        resp, ll = gmm1d.e_step(x, self.params)
        if not self.log_likelihoods:
            self.log_likelihoods.append(ll)
        note = "" if self.responsibilities_fresh else " (E-step done first)"
        self.params = gmm1d.m_step(x, resp, self.var_floor)
        self.log_likelihoods.append(gmm1d.mean_log_likelihood(x, self.params))
        self.responsibilities_fresh = False
        self.last_action = "M-step: weights, means and variances updated" + note

    def run_to_convergence(self, x: np.ndarray, tol: float, max_iter: int) -> None:
        run = gmm1d.run_em(x, self.params, tol, max_iter, self.var_floor)
        if not self.log_likelihoods:
            self.log_likelihoods.append(run.log_likelihood_history[0])
        self.log_likelihoods.extend(run.log_likelihood_history[1:])
        self.params = run.params
        self.responsibilities_fresh = False
        self.last_action = (f"ran {run.n_iter} EM iterations: " +
                            ("converged" if run.converged else f"stopped at max_iter = {max_iter}"))
