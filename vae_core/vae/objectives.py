"""The lecture notes' quantities, computed for a batch of data points.

ELBO(x) = E_q[log p(x|z)] - KL(q(z|x) || p(z))
log p(x) = ELBO(x) + KL(q(z|x) || p(z|x))
All figures are in nats and per data point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..data.binarize import binarize
from .model import VAE, log_normal, log_standard_normal


def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Closed-form KL(N(mu, sigma^2) || N(0, 1)) per latent dimension:
    1/2 (mu^2 + sigma^2 - log sigma^2 - 1)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0)


@dataclass
class ELBOTerms:
    """Per-data-point terms, each of shape (N,) except kl_per_dim (N, d)."""

    reconstruction: torch.Tensor  # E_q[log p(x|z)], Monte Carlo over `samples` draws
    kl: torch.Tensor  # KL(q(z|x) || p(z)), analytic
    kl_per_dim: torch.Tensor

    @property
    def elbo(self) -> torch.Tensor:
        return self.reconstruction - self.kl


def elbo_terms(model: VAE, x: torch.Tensor, y=None, samples: int = 1) -> ELBOTerms:
    """ELBO with its reconstruction term estimated from `samples` reparameterised
    draws z = mu + sigma * eps per data point, and the analytic KL to N(0, I)."""
    if samples < 1:
        raise ValueError("samples must be at least 1")
    x = model.flatten(x)
    mu, logvar = model.encode(x, y)
    z = model.reparameterize(mu, logvar, samples)  # (M, N, d)
    log_px_z = model.log_px_given_z(x, model.decoder_output(z, y))  # (M, N)
    kld = kl_per_dim(mu, logvar)
    return ELBOTerms(reconstruction=log_px_z.mean(0), kl=kld.sum(1), kl_per_dim=kld)


def negative_elbo_loss(model: VAE, x: torch.Tensor, y=None, samples: int = 1) -> torch.Tensor:
    """Mean over the batch of -ELBO: the training loss."""
    return -elbo_terms(model, x, y, samples).elbo.mean()


@torch.no_grad()
def log_importance_weights(model: VAE, x: torch.Tensor, y=None, k: int = 100, chunk: int = 100,
                           generator: torch.Generator | None = None) -> torch.Tensor:
    """log w_k = log p(z_k) + log p(x|z_k) - log q(z_k|x) for z_k ~ q(z|x); shape (K, N).

    Drawn `chunk` samples at a time so K = 1000 over a batch stays in memory; from `generator`
    when one is given, else from torch's global generator.
    """
    x = model.flatten(x)
    mu, logvar = model.encode(x, y)
    parts = []
    for start in range(0, k, chunk):
        m = min(chunk, k - start)
        z = model.reparameterize(mu, logvar, m, generator)
        log_px_z = model.log_px_given_z(x, model.decoder_output(z, y))
        parts.append(log_standard_normal(z) + log_px_z - log_normal(z, mu, logvar))
    return torch.cat(parts, 0)


def iw_log_px(log_w: torch.Tensor) -> torch.Tensor:
    """Importance-weighted estimate log (1/K) sum_k w_k, a lower bound on log p(x)
    that tightens as K grows; shape (N,)."""
    return torch.logsumexp(log_w, 0) - math.log(log_w.shape[0])


LOW_ESS = 30.0  # below this many effective samples an IW estimate's SE is itself unreliable: flagged


def iw_se_ess(log_w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Monte Carlo SE of log (1/K) sum_k w_k, sd(w) / (sqrt(K) mean(w)) by the delta method, and the
    effective sample size (sum w)^2 / sum w^2 of the weights; each of shape (N,)."""
    log_w = log_w.double()
    k = log_w.shape[0]
    w = torch.exp(log_w - log_w.max(0).values)
    mean = w.mean(0)
    sd = w.std(0, unbiased=True) if k > 1 else torch.full_like(mean, float("nan"))
    return sd / (math.sqrt(k) * mean), w.sum(0).pow(2) / w.pow(2).sum(0)


def self_consistency(log_w: torch.Tensor) -> torch.Tensor:
    """Var_{z~q(z|x)}[log p(z) + log p(x|z) - log q(z|x)]; zero exactly when
    q(z|x) equals the true posterior p(z|x). Shape (N,)."""
    return log_w.var(0, unbiased=True)


@dataclass
class Evaluation:
    """Data-set averages, in nats per image, with their Monte Carlo standard errors.

    The standard errors measure the sampling noise of z ~ q(z|x) only (the images are
    fixed): sqrt(sum_i Var_i / S) / n for the ELBO's S-sample mean, and the delta
    method, Var(w) / (K mean(w)^2), per image for the K-sample importance-weighted log p(x).
    """
    n: int
    k: int
    elbo: float
    reconstruction: float
    kl: float
    kl_per_dim: list[float]
    iw_log_px: float
    self_consistency: float
    elbo_samples: int = 1
    elbo_se: float = float("nan")
    iw_log_px_se: float = float("nan")  # Monte Carlo SE of the average IW figure: sqrt(sum_i SE_i^2) / N
    median_ess: float = float("nan")  # median effective sample size of the K weights per image
    low_ess_fraction: float = float("nan")  # share of images whose ESS is below LOW_ESS
    binarize_seed: int | None = None  # the seed of the binarisation x_b ~ Bernoulli(x) evaluated; None: x as given

    @property
    def nll(self) -> float:
        return -self.iw_log_px

    @property
    def gap(self) -> float:
        """IW_K - ELBO: since IW_K is itself a lower bound on log p(x), a lower bound (in expectation) on the
        average gap KL(q(z|x) || p(z|x)) = log p(x) - ELBO, not the gap (vae_core.exact_log_px gives that in 2-D)."""
        return self.iw_log_px - self.elbo

    @property
    def iw_se(self) -> float:
        return self.iw_log_px_se

    @property
    def gap_se(self) -> float:
        return math.hypot(self.elbo_se, self.iw_log_px_se)  # independent draws

    def to_dict(self) -> dict:
        return {
            "n": self.n, "k": self.k, "elbo_samples": self.elbo_samples, "elbo": self.elbo,
            "elbo_se": self.elbo_se, "reconstruction": self.reconstruction,
            "kl": self.kl, "kl_per_dim": self.kl_per_dim, "iw_log_px": self.iw_log_px,
            "iw_log_px_se": self.iw_log_px_se, "nll": self.nll, "nll_se": self.iw_log_px_se,
            "gap": self.gap, "gap_se": self.gap_se, "self_consistency": self.self_consistency,
            "median_ess": self.median_ess, "low_ess_fraction": self.low_ess_fraction,
            "binarize_seed": self.binarize_seed,
        }


@torch.no_grad()
def evaluate(model: VAE, x: torch.Tensor, y=None, k: int = 1000, batch: int = 100, elbo_samples: int = 100,
             progress=None, binarize_seed: int | None = None) -> Evaluation:
    """ELBO terms and the K-sample importance-weighted log p(x), averaged over x.

    binarize_seed: evaluate x_b = binarize(x, seed), one fixed binarisation x_b ~ Bernoulli(x) drawn from the
    seed (vae_core.data.binarize), so a Bernoulli model's figures are true log-likelihoods of binary images.

    The reconstruction term averages elbo_samples draws per image (one draw made the
    printed ELBO wobble by tenths of a nat on 500 images); both estimates carry their
    Monte Carlo standard errors.
    """
    if elbo_samples < 2:
        raise ValueError("elbo_samples must be at least 2, to estimate a standard error")
    model.eval()
    x = model.flatten(x)
    if binarize_seed is not None:
        x = binarize(x, binarize_seed)
    totals = {"rec": 0.0, "kl": 0.0, "iw": 0.0, "sc": 0.0, "rec_var": 0.0, "iw_var": 0.0}
    ess = []
    kl_dims = torch.zeros(model.config.latent_dim, dtype=torch.float64)
    for start in range(0, x.shape[0], batch):
        xb = x[start:start + batch]
        yb = None if y is None else torch.as_tensor(y)[start:start + batch]
        mu, logvar = model.encode(xb, yb)
        z = model.reparameterize(mu, logvar, elbo_samples)
        rec = model.log_px_given_z(xb, model.decoder_output(z, yb)).double()  # (S, N)
        kld = kl_per_dim(mu, logvar).double()
        log_w = log_importance_weights(model, xb, yb, k=k)
        totals["rec"] += rec.mean(0).sum().item()
        totals["rec_var"] += (rec.var(0, unbiased=True) / elbo_samples).sum().item()
        totals["kl"] += kld.sum().item()
        kl_dims += kld.sum(0)
        se, ess_b = iw_se_ess(log_w)
        totals["iw"] += iw_log_px(log_w).double().sum().item()
        totals["iw_var"] += se.pow(2).nansum().item()
        ess.append(ess_b)
        totals["sc"] += self_consistency(log_w).double().sum().item() if k > 1 else 0.0
        if progress is not None:
            progress(min(start + batch, x.shape[0]), x.shape[0])
    n = x.shape[0]
    return Evaluation(
        n=n, k=k, elbo=(totals["rec"] - totals["kl"]) / n, reconstruction=totals["rec"] / n,
        kl=totals["kl"] / n, kl_per_dim=(kl_dims / n).tolist(), iw_log_px=totals["iw"] / n,
        self_consistency=totals["sc"] / n, elbo_samples=elbo_samples,
        elbo_se=math.sqrt(totals["rec_var"]) / n, iw_log_px_se=math.sqrt(totals["iw_var"]) / n,
        median_ess=torch.cat(ess).median().item(), low_ess_fraction=(torch.cat(ess) < LOW_ESS).double().mean().item(),
        binarize_seed=binarize_seed,
    )
