"""What a Gaussian decoder's variance beta^2 does to a VAE: one summary per model.

-log p(x|z) = ||x - mu_D(z)||^2 / (2 beta^2) + D/2 log(2 pi beta^2), so the ELBO
times beta^2 is -1/2 ||x - mu_D(z)||^2 - beta^2 KL + const: beta^2 weighs the KL
term against the squared error, as a beta-VAE's KL weight does. Large beta^2
pushes q(z|x) towards the prior (blurry, few active units); small beta^2 lets
the codes spread out and leave holes in the prior.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..errors import ConfigError
from .comparison import ACTIVE_THRESHOLD, active_units, model_summary  # noqa: F401  (re-exported)


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


def tradeoff_summary(model, x, tau: float = 2.0, n_samples: int = 10_000, seed: int = 0) -> TradeoffSummary:
    """Reconstruction error, average KL, prior-hole mass and active units of a Gaussian-decoder VAE on x."""
    cfg = model.config
    if cfg["likelihood"] != "gaussian":
        raise ConfigError("the beta^2 trade-off needs a Gaussian decoder; this model's decoder is "
                          f"{cfg['likelihood']}")
    if cfg["conditional"]:
        raise ConfigError("the beta^2 trade-off view takes unconditional models")
    m = model_summary(model, x, tau=tau, n_samples=n_samples, seed=seed)
    return TradeoffSummary(beta2=float(cfg["beta"]) ** 2, squared_error=m.squared_error,
                           reconstruction_nll=-m.reconstruction, average_kl=m.average_kl,
                           prior_hole_mass=m.prior_hole_mass, prior_hole_se=m.prior_hole_se, tau=m.tau,
                           active_units=m.active_units, latent_dim=m.latent_dim, n=m.n,
                           squared_error_se=m.se("squared_error"), average_kl_se=m.se("average_kl"),
                           per_image={"squared_error": m.per_image["squared_error"], "kl": m.per_image["average_kl"]})
