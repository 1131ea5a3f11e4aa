"""Two unbiased estimators of the gradient of E_q(z|x)[f(z)], f(z) = log p(x|z), with respect to
the encoder's outputs mu and log sigma^2, measured on one image.

Reparameterisation: z = mu + sigma * eps, so grad_mu = f'(z) and grad_{log sigma^2} = f'(z) * eps * sigma / 2.
Score function (REINFORCE): (f(z) - b) * grad log q(z|x), with
    d log q / d mu = (z - mu) / sigma^2 = eps / sigma,   d log q / d log sigma^2 = (eps^2 - 1) / 2,
and b a baseline (control variate) that does not depend on the draw; here b = f(mu), or 0 for none.
Each estimate averages M single-draw terms. Every draw of every repeat goes through the decoder in one
batch, and the same draws feed both estimators, so their comparison is draw for draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import ConfigError
from .model import VAE

MAX_DRAWS = 200_000  # repeats * M: bounds one request's memory and time


@dataclass
class SingleDrawGradients:
    """Per-draw gradient terms, each (repeats, M, 2d): columns 0..d-1 for mu, d..2d-1 for log sigma^2."""

    reparameterisation: np.ndarray
    score_function: np.ndarray
    score_function_baseline: np.ndarray


def single_draw_gradients(f: Callable[[torch.Tensor], torch.Tensor], mu: torch.Tensor, logvar: torch.Tensor,
                          m: int, repeats: int, seed: int = 0) -> SingleDrawGradients:
    """f maps z of shape (n, d) to f(z) of shape (n,); mu and logvar are (d,)."""
    if int(m) < 1 or int(repeats) < 1:
        raise ConfigError("M and repeats must be at least 1")
    if int(m) * int(repeats) > MAX_DRAWS:
        raise ConfigError(f"M x repeats must be at most {MAX_DRAWS:,}")
    mu, logvar = mu.detach().double().reshape(-1), logvar.detach().double().reshape(-1)
    d = mu.numel()
    gen = torch.Generator().manual_seed(int(seed))
    eps = torch.randn(int(repeats) * int(m), d, generator=gen, dtype=torch.float64)
    sigma = torch.exp(0.5 * logvar)
    z = (mu + sigma * eps).float().requires_grad_(True)
    fz = f(z)
    (grad_z,) = torch.autograd.grad(fz.sum(), z)  # rows are independent, so row i is f'(z_i)
    grad_z, fz = grad_z.double(), fz.detach().double()
    with torch.no_grad():
        baseline = f(mu.float()[None]).double()[0]
    reparam = torch.cat([grad_z, grad_z * eps * sigma / 2], dim=1)
    score = torch.cat([eps / sigma, (eps ** 2 - 1) / 2], dim=1)

    def shaped(t):
        return t.reshape(int(repeats), int(m), 2 * d).numpy()

    return SingleDrawGradients(shaped(reparam), shaped(fz[:, None] * score),
                               shaped((fz - baseline)[:, None] * score))


ESTIMATORS = ("reparameterisation", "score_function", "score_function_baseline")
LABELS = {"reparameterisation": "reparameterisation", "score_function": "score function",
          "score_function_baseline": "score function + baseline"}


@dataclass
class GradientEstimates:
    """`repeats` independent estimates, each the mean of M draws, per estimator: (repeats, 2d) arrays,
    columns mu_1..mu_d then log sigma^2_1..log sigma^2_d."""

    m: int
    repeats: int
    latent_dim: int
    reparameterisation: np.ndarray
    score_function: np.ndarray
    score_function_baseline: np.ndarray

    def estimator(self, name: str) -> np.ndarray:
        return getattr(self, name)

    def total_variance(self, name: str) -> float:
        """Sum over the 2d components of the variance across repeats (the trace of the covariance)."""
        return float(self.estimator(name).var(axis=0, ddof=1).sum())

    def mean_and_standard_error(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        est = self.estimator(name)
        return est.mean(axis=0), est.std(axis=0, ddof=1) / np.sqrt(self.repeats)


def estimates_for(f, mu, logvar, m: int, repeats: int, seed: int = 0) -> GradientEstimates:
    draws = single_draw_gradients(f, mu, logvar, m, repeats, seed)
    return GradientEstimates(int(m), int(repeats), int(mu.numel()),
                             *(getattr(draws, name).mean(axis=1) for name in ESTIMATORS))


def _model_target(model: VAE, x):
    if model.config.conditional:
        raise ConfigError("gradient estimates are shown for unconditional models")
    x = model.flatten(torch.as_tensor(np.asarray(x, dtype=np.float32)).reshape(1, -1))
    with torch.no_grad():
        mu, logvar = model.encode(x)

    def f(z):
        return model.log_px_given_z(x, model.decoder_output(z))

    return f, mu[0], logvar[0]


def gradient_estimates(model: VAE, x, m: int = 10, repeats: int = 50, seed: int = 0) -> GradientEstimates:
    """Estimates of d/d(mu, log sigma^2) E_q(z|x)[log p(x|z)] for one image x, `repeats` of them per estimator,
    each from M draws of q(z|x)."""
    f, mu, logvar = _model_target(model, x)
    return estimates_for(f, mu, logvar, m, repeats, seed)


@dataclass
class VarianceCurve:
    """Measured total variance of each estimator against M, over `repeats` independent estimates per M."""

    ms: np.ndarray
    repeats: int
    variances: dict  # estimator name -> (len(ms),) array
    estimates: dict  # estimator name -> (len(ms), repeats, 2d): the estimates whose spread the variances measure

    def ratio(self, name: str = "score_function") -> np.ndarray:
        return self.variances[name] / self.variances["reparameterisation"]


def variance_curve(model: VAE, x, ms=None, repeats: int = 50, seed: int = 0) -> VarianceCurve:
    """One decoder batch of repeats * max(ms) draws; the estimate at M uses each repeat's first M draws."""
    ms = np.unique(np.round(np.logspace(0, 3, 16)).astype(int)) if ms is None else np.asarray(sorted(set(ms)), int)
    if ms.size == 0 or ms[0] < 1:
        raise ConfigError("every M must be at least 1")
    f, mu, logvar = _model_target(model, x)
    draws = single_draw_gradients(f, mu, logvar, int(ms[-1]), repeats, seed)
    variances, estimates = {}, {}
    for name in ESTIMATORS:
        cumulative = np.cumsum(getattr(draws, name), axis=1)  # (repeats, M_max, 2d)
        estimates[name] = np.swapaxes(cumulative[:, ms - 1, :] / ms[None, :, None], 0, 1)
        variances[name] = estimates[name].var(axis=1, ddof=1).sum(axis=-1)
    return VarianceCurve(ms, int(repeats), variances, estimates)
