"""The importance-weighted estimate of log p(x) reported with its Monte Carlo standard error and the
effective sample size of its weights, so a reader can tell a settled estimate from a lucky one.

    log p_K(x) = log (1/K) sum_k w_k,   w_k = p(x|z_k) p(z_k) / q(z_k|x),  z_k ~ q(z|x)
    SE         ~ sd(w) / (sqrt(K) mean(w))      (delta method on the log of a mean)
    ESS        = (sum_k w_k)^2 / sum_k w_k^2    (1 <= ESS <= K)

A few weights dominating (small ESS) means q(z|x) misses part of the posterior: the estimate is
then low by more than its SE says, since the SE is computed from the same few weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .model import VAE
from .objectives import LOW_ESS, iw_log_px, iw_se_ess, log_importance_weights

__all__ = ["LOW_ESS", "IWEstimate", "iw_estimate", "iw_statistics"]


@dataclass
class IWEstimate:
    """Per-image figures, each a tensor of shape (N,)."""

    k: int
    log_px: torch.Tensor
    se: torch.Tensor
    ess: torch.Tensor

    @property
    def low_ess(self) -> torch.Tensor:
        return self.ess < LOW_ESS

    def summary(self, i: int = 0) -> str:
        """The figure with its ESS, said to be a lower bound whose distance from log p(x) the SE does not measure:
        the delta-method SE comes from the same K weights, so it misses what those draws missed."""
        flag = (f"; ESS below {LOW_ESS:.0f}: q(z|x) misses part of the posterior, so the estimate is unreliable, "
                "usually too low") if bool(self.low_ess[i]) else ""
        return (f"{self.log_px[i].item():.2f} nats (IW, K = {self.k}, ESS {self.ess[i].item():.0f} of {self.k}: a "
                f"lower bound on average; its Monte Carlo SE, {self.se[i].item():.2f}, measures how much a rerun "
                f"moves it, not how far it is below the true value{flag})")


def iw_statistics(log_w: torch.Tensor) -> IWEstimate:
    """SE and ESS from log weights of shape (K, N)."""
    se, ess = iw_se_ess(log_w)
    return IWEstimate(k=log_w.shape[0], log_px=iw_log_px(log_w.double()), se=se, ess=ess)


@torch.no_grad()
def iw_estimate(model: VAE, x, y=None, k: int = 1000) -> IWEstimate:
    """The K-sample importance-weighted log p(x) of each image with its SE and ESS."""
    if k < 1:
        raise ValueError("k must be at least 1")
    return iw_statistics(log_importance_weights(model, x, y, k=k))
