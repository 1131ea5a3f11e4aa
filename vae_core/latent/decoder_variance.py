"""What a Gaussian decoder's variance beta^2 does to a VAE: one summary per model.

-log p(x|z) = ||x - mu_D(z)||^2 / (2 beta^2) + D/2 log(2 pi beta^2), so the ELBO
times beta^2 is -1/2 ||x - mu_D(z)||^2 - beta^2 KL + const: beta^2 weighs the KL
term against the squared error, as a beta-VAE's KL weight does. Large beta^2
pushes q(z|x) towards the prior (blurry, few active units); small beta^2 lets
the codes spread out and leave holes in the prior.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from ..errors import ConfigError
from .aggregate import encode_dataset
from .gaps import gap_stats

ACTIVE_THRESHOLD = 0.01  # Burda et al. (2016): unit u is active when Cov_x(E_q[z_u]) > 0.01


@dataclass(frozen=True)
class TradeoffSummary:
    beta2: float                 # decoder variance
    squared_error: float         # E_x E_q ||x - mu_D(z)||^2, one z ~ q(z|x) per image
    reconstruction_nll: float    # E_x E_q[-log p(x|z)] in nats, same draws (negative where the density exceeds 1)
    average_kl: float            # E_x KL(q(z|x) || p(z)), closed form
    prior_hole_mass: float       # P_{z~p}(log q(z) - log p(z) < -tau)
    prior_hole_se: float
    tau: float
    active_units: int
    latent_dim: int
    n: int
    squared_error_se: float = float("nan")  # standard error over the n images (and the draws): sd / sqrt(n)
    average_kl_se: float = float("nan")
    per_image: dict | None = None  # squared error and KL per image, for paired comparisons; left out of to_dict

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "per_image"}


def active_units(mu: np.ndarray, threshold: float = ACTIVE_THRESHOLD) -> int:
    """Number of latent units whose posterior mean varies over the data: Var_x(mu_u(x)) > threshold."""
    mu = np.asarray(mu, np.float64)
    if len(mu) < 2:
        raise ConfigError("active units need at least two images")
    return int(np.sum(mu.var(axis=0, ddof=1) > threshold))


@torch.no_grad()
def tradeoff_summary(model, x: np.ndarray, tau: float = 2.0, n_samples: int = 10_000, seed: int = 0) -> TradeoffSummary:
    """Reconstruction error, average KL, prior-hole mass and active units of a Gaussian-decoder VAE on x."""
    cfg = model.config
    if cfg["likelihood"] != "gaussian":
        raise ConfigError("the beta^2 trade-off needs a Gaussian decoder; this model's decoder is "
                          f"{cfg['likelihood']}")
    if cfg["conditional"]:
        raise ConfigError("the beta^2 trade-off view takes unconditional models")
    x = np.asarray(x, np.float32).reshape(len(x), -1)
    mu, logvar = encode_dataset(model, x)
    gen = torch.Generator().manual_seed(seed)
    mu_t, lv_t = torch.from_numpy(mu), torch.from_numpy(logvar)
    z = mu_t + torch.exp(0.5 * lv_t) * torch.randn(mu_t.shape, generator=gen)
    xt = torch.from_numpy(x)
    sq = (xt - model.decode(z)).pow(2).sum(1).double()
    nll = -model.log_px_given_z(xt, model.decoder_output(z)).double()
    gaps = gap_stats(mu, logvar, tau=tau, n_samples=n_samples, seed=seed)
    mu64, lv64 = mu.astype(np.float64), logvar.astype(np.float64)
    kl = 0.5 * np.sum(mu64 * mu64 + np.exp(lv64) - lv64 - 1.0, axis=1)
    root_n = np.sqrt(len(x)) if len(x) > 1 else float("nan")
    return TradeoffSummary(beta2=float(cfg["beta"]) ** 2, squared_error=float(sq.mean()),
                           reconstruction_nll=float(nll.mean()), average_kl=gaps.average_kl,
                           prior_hole_mass=gaps.prior_hole_mass, prior_hole_se=gaps.prior_hole_se, tau=float(tau),
                           active_units=active_units(mu), latent_dim=int(cfg["latent_dim"]), n=len(x),
                           squared_error_se=float(sq.std() / root_n), average_kl_se=float(kl.std(ddof=1) / root_n),
                           per_image={"squared_error": sq.numpy(), "kl": kl})
