"""EM for a 1-D Gaussian mixture, one half-step at a time, for stepping by hand.

The page's "E-step", "M-step" and "Run to convergence" buttons drive this; it
keeps every iterate so the log-likelihood curve can be drawn, and it must obey
EM's monotonicity whatever order the buttons are pressed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import gmm1d
from .free_energy import free_energy

MAX_HALF_STEPS = 2000  # the bound chart keeps this many recent half-steps
MAX_RUN_BOUNDS = 300  # a long run records F for its last this-many iterations only (each costs two E-steps)


@dataclass(frozen=True)
class HalfStep:
    """One E- or M-step: F(q, theta) and L(theta) for the state it leaves, per data point.
    index counts half-steps since the start; m_steps is the number of M-steps taken so far."""

    index: int
    kind: str  # "E" or "M"
    m_steps: int
    bound: float  # F(q, theta)
    log_likelihood: float  # L(theta)


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
    half_steps: list[HalfStep] = field(default_factory=list)

    @classmethod
    def start(cls, x: np.ndarray, k: int, init: str, var_floor: float, seed: int) -> EMStepper:
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

    def _record_half_step(self, kind: str, bound: float, ll: float, m_steps: int | None = None) -> None:
        index = self.half_steps[-1].index + 1 if self.half_steps else 0
        self.half_steps.append(HalfStep(index, kind, self.n_m_steps if m_steps is None else m_steps, bound, ll))
        del self.half_steps[:-MAX_HALF_STEPS]

    def last_chain(self) -> tuple[HalfStep, HalfStep] | None:
        """The last E-step and the M-step right after it: L(theta_k) = F(q_{k+1}, theta_k)
        <= F(q_{k+1}, theta_{k+1}) <= L(theta_{k+1}); None before the first M-step."""
        for before, after in zip(reversed(self.half_steps[:-1]), reversed(self.half_steps)):
            if before.kind == "E" and after.kind == "M":
                return before, after
        return None

    def _record_start(self, ll: float) -> None:
        if not self.log_likelihoods:
            self.params_history.append(self.params)
            self.log_likelihoods.append(ll)

    def e_step(self, x: np.ndarray) -> np.ndarray:
        """Responsibilities r_ik, shape (K, n)."""
        x = np.asarray(x, dtype=float).ravel()
        resp, ll = gmm1d.e_step(x, self.params)
        self._record_start(ll)
        self._record_half_step("E", free_energy(x, resp, self.params), ll)
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
        if not self.responsibilities_fresh:
            self._record_half_step("E", free_energy(x, resp, self.params), ll)
        self.params = gmm1d.m_step(x, resp, self.var_floor)
        self.params_history.append(self.params)
        self.log_likelihoods.append(gmm1d.mean_log_likelihood(x, self.params))
        self._record_half_step("M", free_energy(x, resp, self.params), self.log_likelihoods[-1])
        self.responsibilities_fresh = False
        self.last_action = "M-step: weights, means and variances updated" + note

    def run_to_convergence(self, x: np.ndarray, tol: float, max_iter: int) -> gmm1d.EMRun:
        """Run EM from the current parameters; returns the run (its n_iter and whether it converged)."""
        x = np.asarray(x, dtype=float).ravel()
        run = gmm1d.run_em(x, self.params, tol, max_iter, self.var_floor)
        self._record_start(run.log_likelihood_history[0])
        history, lls, before = run.params_history, run.log_likelihood_history, self.n_m_steps
        for t in range(max(0, run.n_iter - MAX_RUN_BOUNDS), run.n_iter):
            resp, _ = gmm1d.e_step(x, history[t])
            if not (t == 0 and self.responsibilities_fresh):  # that E-step is on the record already
                self._record_half_step("E", free_energy(x, resp, history[t]), lls[t], before + t)
            self._record_half_step("M", free_energy(x, resp, history[t + 1]), lls[t + 1], before + t + 1)
        self.params_history.extend(run.params_history[1:])
        self.log_likelihoods.extend(run.log_likelihood_history[1:])
        self.params = run.params
        self.responsibilities_fresh = False
        self.last_action = (f"ran {run.n_iter} EM iterations: " +
                            ("converged" if run.converged else f"stopped at max_iter = {max_iter}"))
        return run
