"""The true posterior p(z|x) and the exact log p(x) for 1-D and 2-D latents, by quadrature.

With a latent of one or two dimensions nothing needs estimating: on a grid of z,
    log p(x) = log sum_i p(x|z_i) p(z_i) dA            (log-sum-exp throughout)
    p(z_i|x) = p(x|z_i) p(z_i) / p(x)
    ELBO(x)  = E_q[log p(x|z)] - KL(q(z|x) || p(z))     (the first term on a grid over q, the KL analytic)
    KL(q(z|x) || p(z|x)) = log p(x) - ELBO(x)           (the exact variational gap)

The grid is adaptive because a fixed box misses posteriors that sit far from q's mean or are
narrower than its spacing: a wide coarse scan plus a scan at q's own scale find where
log p(x|z) + log p(z) is within DROP nats of its maximum; a box around that region is then
gridded at a resolution set by the posterior's spread, shrunk to the mass, widened where mass
touches an edge, and refined until the sum at spacing h and at 2h agree within TOLERANCE.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import ConfigError
from ..vae.model import VAE, log_standard_normal
from ..vae.objectives import kl_per_dim

MAX_EXACT_DIM = 2
DROP = 25.0  # nats below the peak of log p(x, z) treated as no mass (e^-25 per cell)
# nats: |sum at spacing h - sum at 2h| accepted. The error at h is far smaller: O(h^2) across the decoder's
# ReLU kinks (a quarter of this at worst), exponentially small where log p(x, z) is smooth.
TOLERANCE = 0.015
CHUNK = 8192  # decoder calls per batch
# points per axis: (coarse wide scan, scan at q's scale, locating grid, first fine grid, finest allowed, grid over q)
POINTS = {1: (401, 101, 101, 201, 3201, 201), 2: (25, 13, 17, 33, 161, 25)}


@dataclass
class ExactPosterior:
    """p(z|x) on a grid, with the exact log p(x), ELBO(x) and gap. Arrays are numpy float64.

    ``axes[j]`` holds the grid coordinates along z_j; ``log_density`` is log p(z|x) at the grid
    points, shape (n,) for 1-D and (n1, n2) for 2-D indexed [i1, i2] (z_1 down the rows).
    """

    axes: list[np.ndarray]
    log_density: np.ndarray
    log_px: float
    elbo: float
    reconstruction: float  # E_q[log p(x|z)] by quadrature
    kl_prior: float  # KL(q(z|x) || p(z)), analytic
    mean: np.ndarray  # E_p(z|x)[z]
    cov: np.ndarray  # Cov_p(z|x)[z]
    q_mean: np.ndarray
    q_std: np.ndarray
    evaluations: int  # decoder calls spent
    refinement: float = 0.0  # |log p(x) at spacing h - at 2h|: the quadrature's own error estimate
    notes: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float:
        """KL(q(z|x) || p(z|x)) = log p(x) - ELBO(x), exact up to quadrature error."""
        return self.log_px - self.elbo

    @property
    def cell(self) -> float:
        return float(np.prod([a[1] - a[0] for a in self.axes]))

    def mass_levels(self, masses=(0.5, 0.9, 0.99)) -> list[float]:
        """Density thresholds t such that {z : p(z|x) >= t} holds each mass: the contours that
        enclose 50%, 90%, 99% of the true posterior (highest-density regions)."""
        dens = np.exp(self.log_density.ravel())
        order = np.sort(dens)[::-1]
        cum = np.cumsum(order) * self.cell
        return [float(order[min(np.searchsorted(cum, m), len(order) - 1)]) for m in masses]


def _check(model: VAE, y) -> int:
    d = model.config.latent_dim
    if d > MAX_EXACT_DIM:
        raise ConfigError(
            f"the exact posterior needs a latent of 1 or 2 dimensions; this model's is {d}-D, where the grid "
            "would be too large: use the importance-weighted estimate of log p(x) (vae_core.iw_estimate) instead")
    if model.config.conditional and y is None:
        raise ConfigError("this is a conditional model: pass the image's class label y to get p(z|x, y)")
    return d


def _grid(lo: np.ndarray, hi: np.ndarray, n: int) -> tuple[list[np.ndarray], np.ndarray]:
    axes = [np.linspace(lo[j], hi[j], n) for j in range(len(lo))]
    mesh = np.meshgrid(*axes, indexing="ij")
    return axes, np.stack([m.ravel() for m in mesh], axis=1)


class _Joint:
    """log p(x|z) + log p(z) at many z for one image, counting decoder calls."""

    def __init__(self, model: VAE, x: torch.Tensor, y):
        self.model, self.x, self.y, self.calls = model, x, y, 0
        self.device = next(model.parameters()).device
        self.bernoulli = model.config.likelihood == "bernoulli"

    def _log_px_given_z(self, logits: torch.Tensor) -> torch.Tensor:
        """For one image under a Bernoulli decoder, sum_j x_j l_j - softplus(l_j) (= -BCE with logits) as a
        matrix-vector product: a third of the time of the elementwise BCE, which was a third of the whole."""
        if self.bernoulli:
            return logits @ self.x.reshape(-1).to(logits.dtype) - F.softplus(logits).sum(-1)
        return self.model.log_px_given_z(self.x, logits)

    @torch.no_grad()
    def __call__(self, z: np.ndarray, prior: bool = True) -> np.ndarray:
        out = []
        for s in range(0, len(z), CHUNK):
            zt = torch.as_tensor(z[s:s + CHUNK], dtype=torch.float32, device=self.device)
            v = self._log_px_given_z(self.model.decoder_output(zt, self.y))
            if prior:
                v = v + log_standard_normal(zt)
            out.append(v.double().cpu().numpy())
        self.calls += len(z)
        return np.concatenate(out)


def _lse(v: np.ndarray) -> float:
    m = float(np.max(v))
    return m + math.log(float(np.exp(v - m).sum()))


def _mass_box(points: np.ndarray, values: np.ndarray, pad: np.ndarray, peak: float) -> tuple[np.ndarray, np.ndarray]:
    keep = values > peak - DROP
    lo = (points[keep] - pad[keep]).min(0)
    hi = (points[keep] + pad[keep]).max(0)
    return lo, hi


def _coarse_scan(joint: _Joint, mu: np.ndarray, std: np.ndarray, d: int):
    """Points, values and spacing of a wide scan plus one at q's scale: the evidence of where mass is."""
    n_wide, n_local = POINTS[d][:2]
    half = max(5.0, float(np.max(np.abs(mu) + 5 * std)))
    _, wide = _grid(np.full(d, -half), np.full(d, half), n_wide)
    _, local = _grid(mu - 5 * std, mu + 5 * std, n_local)
    pts = np.concatenate([wide, local])
    vals = joint(pts)
    pad = np.concatenate([np.full((len(wide), d), 2 * half / (n_wide - 1)),
                          np.broadcast_to(10 * std / (n_local - 1), (len(local), d))])
    return pts, vals, pad


def _integrate(joint: _Joint, scan, d: int):
    """Grid the box, move it to the mass, refine; returns (axes, values, log_px, refinement).

    A small locating grid shrinks the box onto the mass first (repeatedly while it keeps shrinking),
    so the fine grid's spacing follows the posterior's spread, not the coarse scan's."""
    n, n_fine, n_max = POINTS[d][2:5]
    scan_pts, scan_vals, scan_pad = scan
    lo, hi = _mass_box(scan_pts, scan_vals, scan_pad, float(scan_vals.max()))
    located = False
    for _ in range(12):
        axes, pts = _grid(lo, hi, n)
        vals = joint(pts)
        h = (hi - lo) / (n - 1)
        peak = float(vals.max())
        grid_vals = vals.reshape((n,) * d)
        # mass touching an edge: widen the box that way by half its width
        grown = False
        for j in range(d):
            edge_lo = np.take(grid_vals, 0, axis=j).max()
            edge_hi = np.take(grid_vals, n - 1, axis=j).max()
            if edge_lo > peak - DROP:
                lo[j] -= 0.5 * (hi[j] - lo[j])
                grown = True
            if edge_hi > peak - DROP:
                hi[j] += 0.5 * (hi[j] - lo[j])
                grown = True
        if grown:
            continue
        # the box shrinks to where the grid sees mass, and to where the scan saw mass outside the grid
        # (a narrow mode the grid stepped over must not be dropped)
        outside = np.any((scan_pts < lo) | (scan_pts > hi), axis=1)
        tight_lo, tight_hi = _mass_box(np.concatenate([pts, scan_pts[outside]]),
                                       np.concatenate([vals, scan_vals[outside]]),
                                       np.concatenate([np.broadcast_to(h, pts.shape), scan_pad[outside]]),
                                       max(peak, float(scan_vals.max())))
        if not located:
            if not np.any((tight_hi - tight_lo) < 0.7 * (hi - lo)):
                located, n = True, n_fine
            lo, hi = tight_lo, tight_hi
            continue
        if np.any((tight_hi - tight_lo) < 0.5 * (hi - lo)):  # mass fills under half the box: zoom in
            lo, hi = tight_lo, tight_hi
            continue
        log_cell = float(np.sum(np.log(h)))
        log_px = _lse(vals) + log_cell
        sub = grid_vals[(slice(None, None, 2),) * d]
        refinement = abs(log_px - (_lse(sub.ravel()) + log_cell + d * math.log(2.0)))
        if refinement <= TOLERANCE or n >= n_max:
            return axes, grid_vals, log_px, refinement
        n = min(2 * n - 1, n_max)
    # the box kept moving (a posterior that the grid cannot pin down): return the last grid, error unknown
    return axes, grid_vals, _lse(vals) + float(np.sum(np.log(h))), float("nan")


def _q_expectation(joint: _Joint, mu: np.ndarray, std: np.ndarray, d: int) -> float:
    """E_q[log p(x|z)] on a grid over q's mu +- 6 sigma, with q's density normalised on that grid."""
    axes, pts = _grid(mu - 6 * std, mu + 6 * std, POINTS[d][5])
    log_q = -0.5 * (((pts - mu) / std) ** 2).sum(1)
    w = np.exp(log_q - log_q.max())
    w /= w.sum()
    return float((w * joint(pts, prior=False)).sum())


def exact_posterior(model: VAE, x, y=None) -> ExactPosterior:
    """The true posterior p(z|x) of one image on an adaptive grid, with the exact log p(x), ELBO(x)
    and gap KL(q(z|x) || p(z|x)). For latents of 1 or 2 dimensions; a conditional model needs y."""
    d = _check(model, y)
    model.eval()
    xt = model.flatten(torch.as_tensor(x))
    if xt.shape[0] != 1:
        raise ConfigError(f"exact_posterior takes one image, got {xt.shape[0]}")
    yt = None if y is None else torch.as_tensor(y).reshape(1)
    with torch.no_grad():
        mu_t, logvar_t = model.encode(xt.to(next(model.parameters()).device), yt)
    mu = mu_t[0].double().cpu().numpy()
    std = np.exp(0.5 * logvar_t[0].double().cpu().numpy())
    joint = _Joint(model, xt.to(next(model.parameters()).device), yt)
    axes, vals, log_px, refinement = _integrate(joint, _coarse_scan(joint, mu, std, d), d)
    log_density = vals - log_px
    pts = np.stack([m.ravel() for m in np.meshgrid(*axes, indexing="ij")], axis=1)
    w = np.exp(log_density.ravel()) * float(np.prod([a[1] - a[0] for a in axes]))
    w /= w.sum()
    mean = w @ pts
    cov = ((pts - mean) * w[:, None]).T @ (pts - mean)
    rec = _q_expectation(joint, mu, std, d)
    kl = float(kl_per_dim(mu_t, logvar_t).double().sum())
    return ExactPosterior(axes=axes, log_density=log_density, log_px=log_px, elbo=rec - kl, reconstruction=rec,
                          kl_prior=kl, mean=mean, cov=cov, q_mean=mu, q_std=std, evaluations=joint.calls,
                          refinement=refinement)


def exact_log_px(model: VAE, x, y=None) -> np.ndarray:
    """Exact log p(x) per image (nats), shape (N,), for a 1-D or 2-D latent; y: labels of a conditional model."""
    _check(model, y)
    xs = model.flatten(torch.as_tensor(x))
    ys = None if y is None else torch.as_tensor(y).reshape(-1)
    if ys is not None and ys.numel() == 1 and xs.shape[0] > 1:
        ys = ys.expand(xs.shape[0])
    return np.array([exact_posterior(model, xs[i:i + 1], None if ys is None else ys[i]).log_px
                     for i in range(xs.shape[0])])
