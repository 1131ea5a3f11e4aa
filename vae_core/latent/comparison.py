"""Figures that put two or three VAEs side by side, measured on the same images with the same draws.

Every figure carries a standard error over the images, and two models' figures are compared by their paired
differences image by image (the same images, so most of the image-to-image spread cancels): a difference
within two standard errors of that difference is reported as such, not as a ranking.

The ELBO and reconstruction term are log-probabilities for a Bernoulli decoder (of binarised images) and
log-densities for a Gaussian one, and a conditional model's bound log p(x|y), not log p(x): they are compared
only between models of one likelihood that are both conditional or both not. The squared error
||x - mu_D(z)||^2, the KL, I(x; z), the prior-hole mass and the active units are comparable across all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..errors import ConfigError
from .aggregate import encode_dataset
from .gaps import gap_stats

ACTIVE_THRESHOLD = 0.01  # Burda et al. (2016): unit u is active when Var_x(E_q[z_u]) > 0.01
MAX_IMAGES = 20_000      # the per-image arrays a summary keeps; the pages use 2,000


@dataclass(frozen=True)
class ModelSummary:
    likelihood: str              # "bernoulli" or "gaussian": which ELBOs are comparable
    conditional: bool            # its ELBO bounds log p(x|y), not log p(x)
    latent_dim: int
    n: int                       # images measured
    tau: float
    squared_error: float         # E_x E_q ||x - mu_D(z)||^2, one z ~ q(z|x) per image
    reconstruction: float        # E_x E_q log p(x|z), the same draws
    average_kl: float            # E_x KL(q(z|x) || p(z)), closed form
    elbo: float                  # reconstruction - average_kl
    mutual_information: float    # I(x; z) = average KL - KL(q(z) || p(z)), Monte Carlo
    prior_hole_mass: float       # P_{z~p}(log q(z) - log p(z) < -tau), Monte Carlo
    prior_hole_se: float
    active_units: int
    per_image: dict = field(repr=False, compare=False, default_factory=dict)  # for paired comparisons

    def se(self, name: str) -> float:
        """One standard error of a per-image mean: sd over the images / sqrt(n)."""
        if name == "prior_hole_mass":
            return self.prior_hole_se
        values = self.per_image[name]
        return float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("nan")


def active_units(mu: np.ndarray, threshold: float = ACTIVE_THRESHOLD) -> int:
    """Number of latent units whose posterior mean varies over the data: Var_x(mu_u(x)) > threshold."""
    mu = np.asarray(mu, np.float64)
    if len(mu) < 2:
        raise ConfigError("active units need at least two images")
    return int(np.sum(mu.var(axis=0, ddof=1) > threshold))


@torch.no_grad()
def model_summary(model, x: np.ndarray, y: np.ndarray | None = None, tau: float = 2.0, n_samples: int = 10_000,
                  seed: int = 0) -> ModelSummary:
    """The comparable figures of one model on images x (labels y for a conditional model), one z ~ q(z|x) each.

    x is given as the model scores it: binarised already for a binarised Bernoulli model."""
    x = np.asarray(x, np.float32).reshape(len(x), -1)
    if not 2 <= len(x) <= MAX_IMAGES:
        raise ConfigError(f"a model summary takes 2 to {MAX_IMAGES:,} images, got {len(x):,}")
    if x.shape[1] != int(np.prod(model.config["image_shape"])):
        raise ConfigError(f"the images have {x.shape[1]} pixels; the model takes "
                          f"{int(np.prod(model.config['image_shape']))}")
    conditional = bool(model.config["conditional"])
    if conditional and (y is None or len(y) != len(x)):
        raise ConfigError("a conditional model's summary needs one label per image")
    yt = torch.as_tensor(np.asarray(y)) if conditional else None
    mu, logvar = encode_dataset(model, x, y)
    gen = torch.Generator().manual_seed(seed)
    mu_t, lv_t = torch.from_numpy(mu), torch.from_numpy(logvar)
    z = mu_t + torch.exp(0.5 * lv_t) * torch.randn(mu_t.shape, generator=gen)
    xt = torch.from_numpy(x)
    out = model.decoder_output(z, yt)
    squared = (xt - torch.sigmoid(out)).pow(2).sum(1).double().numpy()
    reconstruction = model.log_px_given_z(xt, out).double().numpy()
    mu64, lv64 = mu.astype(np.float64), logvar.astype(np.float64)
    kl = 0.5 * np.sum(mu64 * mu64 + np.exp(lv64) - lv64 - 1.0, axis=1)
    gaps = gap_stats(mu, logvar, tau=tau, n_samples=n_samples, seed=seed)
    return ModelSummary(
        likelihood=str(model.config["likelihood"]), conditional=conditional,
        latent_dim=int(model.config["latent_dim"]), n=len(x),
        tau=float(tau), squared_error=float(squared.mean()), reconstruction=float(reconstruction.mean()),
        average_kl=float(kl.mean()), elbo=float((reconstruction - kl).mean()),
        mutual_information=float(gaps.mutual_information), prior_hole_mass=float(gaps.prior_hole_mass),
        prior_hole_se=float(gaps.prior_hole_se), active_units=active_units(mu),
        per_image={"squared_error": squared, "reconstruction": reconstruction, "average_kl": kl,
                   "elbo": reconstruction - kl})


@dataclass(frozen=True)
class Difference:
    value: float    # b - a
    se: float       # one standard error of the difference
    within: bool    # |value| < 2 se: not told apart by these images

    def words(self) -> str:
        if not np.isfinite(self.se):
            return f"{self.value:+.2f}"
        if self.within:
            return f"{self.value:+.2f} ± {self.se:.2f}: within 2 SE, not told apart"
        return f"{self.value:+.2f} ± {self.se:.2f} ({abs(self.value) / self.se:.0f} SE)"


def paired_difference(a: ModelSummary, b: ModelSummary, name: str) -> Difference:
    """b's figure minus a's, with the standard error of the mean of the per-image differences (both summaries
    must be of the same images, in the same order)."""
    da, db = a.per_image.get(name), b.per_image.get(name)
    if da is None or db is None:
        raise ConfigError(f"no per-image values of {name!r} to pair")
    if len(da) != len(db):
        raise ConfigError(f"the summaries are of {len(da):,} and {len(db):,} images: pair the same images")
    diff = np.asarray(db, np.float64) - np.asarray(da, np.float64)
    se = float(np.std(diff, ddof=1) / np.sqrt(len(diff)))
    value = float(diff.mean())
    return Difference(value, se, abs(value) <= 2 * se)


def independent_difference(a: float, a_se: float, b: float, b_se: float) -> Difference:
    """b - a for figures measured with independent errors (or whose per-image values were not kept), the
    standard errors combined in quadrature."""
    se = float(np.hypot(a_se, b_se))
    value = float(b - a)
    return Difference(value, se, bool(np.isfinite(se) and abs(value) <= 2 * se))
