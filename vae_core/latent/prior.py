"""A prior fitted after training: a Gaussian mixture g(z) fitted by EM to samples of the aggregate posterior
q(z) = (1/N) sum_i q(z|x_i) ("ex-post density estimation").

Sampling z ~ g then decoding draws from where the decoder was trained, not from the prior's gaps.
The average KL term splits as I(x; z) + KL(q(z) || prior), so replacing N(0, I) by g raises the ELBO by
    E_x E_q(z|x) [log g(z) - log N(z; 0, I)],
whose ceiling is KL(q(z) || N(0, I)) for the *true* aggregate posterior.

EM is scikit-learn's GaussianMixture (a maintained implementation); the 1-D page's hand-written EM stays
the teaching version. K is chosen by the held-out log-likelihood of codes of images left out of the fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.mixture import GaussianMixture

from ..errors import ConfigError
from ..vae.model import VAE, log_normal, log_standard_normal

CANDIDATE_K = (1, 2, 3, 5, 8, 12, 16, 24, 32, 48, 64)
MIN_SAMPLES_PER_PARAMETER = 4  # a K whose mixture has more free parameters than samples/4 is refused


def free_parameters(k: int, d: int) -> int:
    """Weights, means and full covariances of a K-component mixture in d dimensions."""
    return (k - 1) + k * d + k * d * (d + 1) // 2


@dataclass
class LatentPrior:
    """The fitted mixture g(z) = sum_k weights[k] N(z; means[k], covariances[k])."""

    weights: np.ndarray  # (K,)
    means: np.ndarray  # (K, d)
    covariances: np.ndarray  # (K, d, d)
    label: int | None  # the class of a conditional model's per-label prior
    held_out_log_lik: dict = field(default_factory=dict)  # K -> mean log g(z) on held-out images' codes
    mixture: GaussianMixture | None = None

    @property
    def k(self) -> int:
        return len(self.weights)

    @property
    def latent_dim(self) -> int:
        return self.means.shape[1]

    def sample(self, n: int, seed: int | None = 0) -> np.ndarray:
        rng = np.random.default_rng(seed)
        comp = rng.choice(self.k, size=n, p=self.weights / self.weights.sum())
        chol = np.linalg.cholesky(self.covariances)
        eps = rng.standard_normal((n, self.latent_dim))
        return self.means[comp] + np.einsum("nij,nj->ni", chol[comp], eps)

    def log_prob(self, z) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64).reshape(-1, self.latent_dim)
        return self.mixture.score_samples(z)

    def log_prob_torch(self, z: torch.Tensor) -> torch.Tensor:
        shape = z.shape[:-1]
        return torch.from_numpy(self.log_prob(z.detach().reshape(-1, z.shape[-1]).double().numpy())).reshape(shape)


def _images_and_labels(data):
    x = getattr(data, "x", data)
    y = getattr(data, "y", None)
    return torch.as_tensor(np.asarray(x), dtype=torch.float32), y


@torch.no_grad()
def code_samples(model: VAE, x: torch.Tensor, samples: int, y=None, seed: int = 0, batch: int = 1000) -> np.ndarray:
    """`samples` draws of q(z|x) per image, shape (N, samples, d)."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for s in range(0, len(x), batch):
        yb = None if y is None else y
        mu, logvar = model.encode(x[s:s + batch], yb)
        eps = torch.randn(mu.shape[0], samples, mu.shape[1], generator=gen)
        out.append((mu[:, None] + torch.exp(0.5 * logvar)[:, None] * eps).numpy())
    return np.concatenate(out).astype(np.float64)


def _mixture(k: int, seed: int) -> GaussianMixture:
    return GaussianMixture(k, covariance_type="full", reg_covar=1e-5, n_init=1, max_iter=300, random_state=seed)


def fit_latent_prior(model: VAE, data, k: int | None = None, samples_per_image: int = 8,
                     held_out_fraction: float = 0.2, label: int | None = None, seed: int = 0,
                     candidates=CANDIDATE_K) -> LatentPrior:
    """Fit g(z) to samples of q(z|x) over `data` (images, or a Dataset). k=None chooses K among `candidates`
    by the mean log g(z) of codes of a held-out share of the images; then refits on all images.
    A conditional model needs `label`: the prior is fitted to that class's images, encoded with it."""
    model.eval()
    x, y = _images_and_labels(data)
    if model.config.conditional:
        if label is None:
            raise ConfigError("this is a conditional model: fit one prior per class label (pass label=c)")
        if y is None:
            raise ConfigError("a per-label prior needs a data set with labels")
        x = x[torch.as_tensor(np.asarray(y) == label)]
    if len(x) < 2:
        raise ConfigError(f"need at least 2 images to fit a prior, got {len(x)}")
    if samples_per_image < 1:
        raise ConfigError(f"samples_per_image must be at least 1, got {samples_per_image}")
    d = model.config.latent_dim
    codes = code_samples(model, x, samples_per_image, label, seed)
    n_samples = codes.shape[0] * codes.shape[1]
    k_max = max(1, n_samples // (MIN_SAMPLES_PER_PARAMETER * free_parameters(1, d)))
    if k is not None:
        if not isinstance(k, int) or k < 1:
            raise ConfigError(f"k must be a positive integer, got {k!r}")
        if k > k_max:
            raise ConfigError(f"k = {k} is more components than {len(x)} images support: a {d}-D mixture has "
                              f"{free_parameters(1, d)} parameters per component and {n_samples} samples allow at "
                              f"most k = {k_max}; use fewer components or more data")
    scores: dict = {}
    if k is None:
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(codes))
        n_val = max(1, int(round(held_out_fraction * len(codes))))
        fit_codes, val_codes = codes[order[n_val:]].reshape(-1, d), codes[order[:n_val]].reshape(-1, d)
        fit_max = max(1, len(fit_codes) // (MIN_SAMPLES_PER_PARAMETER * free_parameters(1, d)))
        for cand in [c for c in candidates if c <= fit_max]:
            scores[cand] = float(_mixture(cand, seed).fit(fit_codes).score(val_codes))
        k = max(scores, key=scores.get)
    gmm = _mixture(k, seed).fit(codes.reshape(-1, d))
    return LatentPrior(weights=gmm.weights_, means=gmm.means_, covariances=gmm.covariances_, label=label,
                       held_out_log_lik=scores, mixture=gmm)


@torch.no_grad()
def elbo_with_prior(model: VAE, x, prior: LatentPrior | None = None, y=None, samples: int = 16,
                    seed: int = 0) -> dict:
    """Per-image ELBO with p(z) replaced by `prior` (None: N(0, I)), all terms by the same Monte Carlo draws:
        ELBO_g(x) = E_q[log p(x|z)] - KL(q(z|x) || g),  KL(q || g) = E_q[log q(z|x) - log g(z)].
    Returns numpy arrays: elbo, reconstruction, kl."""
    x = model.flatten(torch.as_tensor(x))
    gen = torch.Generator().manual_seed(seed)
    mu, logvar = model.encode(x, y)
    z = mu + torch.exp(0.5 * logvar) * torch.randn(samples, *mu.shape, generator=gen)
    rec = model.log_px_given_z(x, model.decoder_output(z, y)).double()
    log_g = log_standard_normal(z).double() if prior is None else prior.log_prob_torch(z)
    kl = log_normal(z, mu, logvar).double() - log_g
    return {"elbo": (rec - kl).mean(0).numpy(), "reconstruction": rec.mean(0).numpy(), "kl": kl.mean(0).numpy()}
