"""A prior fitted after training: a Gaussian mixture g(z) fitted by EM to samples of the aggregate posterior
q(z) = (1/N) sum_i q(z|x_i) ("ex-post density estimation").

Sampling z ~ g then decoding draws from where the decoder was trained, not from the prior's gaps.
The average KL term splits as I(x; z) + KL(q(z) || prior), so replacing N(0, I) by g raises the ELBO by
    E_x E_q(z|x) [log g(z) - log N(z; 0, I)],
whose ceiling is KL(q(z) || N(0, I)) for the *true* aggregate posterior.

EM is scikit-learn's GaussianMixture (a maintained implementation); the 1-D page's hand-written EM and the
latent map's EM stepper stay the teaching versions. K, then the covariance regulariser reg_covar, then the
covariance type are chosen by the held-out log-likelihood of codes of images left out of the fit (a regulariser
or covariance type other than the default only when its gain is significant): the test-set
ELBO gain above is exactly E_x E_q(z|x)[log g(z)] on new images minus a constant, so this is the figure to
maximise, and a smoother g (a larger reg_covar) generalises better in many dimensions, where 5,000 images
make q(z) spiky.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.mixture import GaussianMixture

from ..errors import ConfigError
from ..vae.model import VAE, log_normal, log_standard_normal

CANDIDATE_K = (1, 2, 3, 5, 8, 12, 16, 24, 32, 48, 64)
CANDIDATE_REG = (1e-5, 1e-3, 1e-2, 3e-2, 1e-1)  # added to each covariance's diagonal; codes are on N(0, I)'s scale
CANDIDATE_COVARIANCE = ("full", "diag")
SEARCH_FIT_ROWS, SEARCH_VAL_ROWS = 40_000, 20_000  # the search compares candidates on a random subset of rows
K_PATIENCE = 2  # the K search stops after this many candidates in a row that do not beat the best
SIGNIFICANT_SE = 2.0  # leave the default (full, the smallest regulariser) only for a held-out gain this many SEs
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
    held_out_log_lik: dict = field(default_factory=dict)  # "K=…, …" -> mean log g(z) on held-out images' codes
    mixture: GaussianMixture | None = None
    covariance_type: str = "full"
    reg_covar: float = 1e-6
    samples_per_image: int = 4

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


def _mixture(k: int, seed: int, covariance_type: str = "full", reg_covar: float = 1e-5) -> GaussianMixture:
    return GaussianMixture(k, covariance_type=covariance_type, reg_covar=reg_covar, n_init=1, max_iter=300,
                           random_state=seed)


def full_covariances(gmm: GaussianMixture) -> np.ndarray:
    """(K, d, d) whatever covariance_type the mixture was fitted with."""
    c, k, d = gmm.covariances_, gmm.n_components, gmm.means_.shape[1]
    return {"full": lambda: c, "tied": lambda: np.repeat(c[None], k, 0),
            "diag": lambda: np.stack([np.diag(v) for v in c]),
            "spherical": lambda: c[:, None, None] * np.eye(d)[None]}[gmm.covariance_type]()


def _label(k: int, covariance_type: str, reg_covar: float) -> str:
    return f"K={k}, {covariance_type}, reg {reg_covar:g}"


def _search_k(candidates, score) -> int:
    """The best-scoring K, trying candidates in increasing order until K_PATIENCE in a row fail to beat it
    (past its peak the held-out log-likelihood only falls as the mixture overfits)."""
    best, misses = None, 0
    for c in sorted(candidates):
        if best is None or score(c) > score(best):
            best, misses = c, 0
        else:
            misses += 1
            if misses >= K_PATIENCE:
                break
    return best


def fit_latent_prior(model: VAE, data, k: int | None = None, samples_per_image: int = 16,
                     held_out_fraction: float = 0.2, label: int | None = None, seed: int = 0,
                     candidates=CANDIDATE_K, reg_covar: float | None = None, covariance_type: str | None = None,
                     reg_candidates=CANDIDATE_REG, covariance_candidates=CANDIDATE_COVARIANCE) -> LatentPrior:
    """Fit g(z) to samples of q(z|x) over `data` (images, or a Dataset). What is not given (k, reg_covar,
    covariance_type) is chosen by the mean log g(z) of codes of a held-out share of the images, one after the
    other: K among `candidates` (full covariances, the smallest regulariser), then reg_covar at that K, then the
    covariance type, each moving off that default only when the held-out gain exceeds SIGNIFICANT_SE standard
    errors of the paired per-image difference (a tie is noise); then g is refitted on all images. All three given:
    one fit, no held-out split.
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
    if covariance_type is not None and covariance_type not in ("full", "tied", "diag", "spherical"):
        raise ConfigError(f"covariance_type must be full, tied, diag or spherical, got {covariance_type!r}")
    if reg_covar is not None and not (isinstance(reg_covar, (int, float)) and 0 <= reg_covar < 10):
        raise ConfigError(f"reg_covar must be a number in [0, 10), got {reg_covar!r}")
    scores: dict = {}
    if k is None or reg_covar is None or covariance_type is None:
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(codes))
        n_val = max(1, int(round(held_out_fraction * len(codes))))
        fit_codes = codes[order[n_val:]].reshape(-1, d)
        fit_codes = fit_codes[rng.permutation(len(fit_codes))[:SEARCH_FIT_ROWS]]
        val_codes = codes[order[:n_val]][:max(1, SEARCH_VAL_ROWS // samples_per_image)]  # (images, samples, d)
        per_image: dict = {}  # each candidate's mean log g(z) per held-out image, for paired comparisons

        def held_out(kk: int, cov: str, reg: float) -> float:
            key = _label(kk, cov, reg)
            if key not in scores:
                g = _mixture(kk, seed, cov, reg).fit(fit_codes)
                per_image[key] = g.score_samples(val_codes.reshape(-1, d)).reshape(len(val_codes), -1).mean(1)
                scores[key] = float(per_image[key].mean())
            return scores[key]

        def better(new: tuple, old: tuple) -> bool:
            """new beats old on the held-out images by more than SIGNIFICANT_SE standard errors of the paired
            per-image difference: a tie (noise) keeps the default."""
            held_out(*new), held_out(*old)
            diff = per_image[_label(*new)] - per_image[_label(*old)]
            se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
            return diff.mean() > SIGNIFICANT_SE * se

        cov, reg = covariance_type or "full", min(reg_candidates) if reg_covar is None else reg_covar
        if k is None:
            fit_max = max(1, len(fit_codes) // (MIN_SAMPLES_PER_PARAMETER * free_parameters(1, d)))
            k = _search_k([c for c in candidates if c <= fit_max] or [1], lambda c: held_out(c, cov, reg))
        if reg_covar is None:
            for r in sorted(reg_candidates):
                reg = r if better((k, cov, r), (k, cov, reg)) else reg
        if covariance_type is None:
            for c in covariance_candidates:
                cov = c if better((k, c, reg), (k, cov, reg)) else cov
        covariance_type, reg_covar = cov, reg
    gmm = _mixture(k, seed, covariance_type, reg_covar).fit(codes.reshape(-1, d))
    return LatentPrior(weights=gmm.weights_, means=gmm.means_, covariances=full_covariances(gmm), label=label,
                       held_out_log_lik=scores, mixture=gmm, covariance_type=covariance_type,
                       reg_covar=float(reg_covar), samples_per_image=samples_per_image)


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
