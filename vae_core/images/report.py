"""Everything the upload page reports about one input image, without streamlit.

Per image: q(z|x), the reconstruction and its error, the ELBO split, the
importance-weighted log p(x) with its K and the effective sample size of its
weights, their difference IW - ELBO (a lower bound on the gap
KL(q(z|x) || p(z|x))) and the self-consistency Var[log w]. The out-of-
distribution check compares log p(x) with the same estimator's values on
training images, so estimator bias cancels.

For a model trained on binarised pixels the figures in nats are of x_b, one
seeded binarisation x_b ~ Bernoulli(x) of the image (`binarize_seed`), so they
are true log-likelihoods; q(z|x), the reconstruction and its error stay those
of the grey image, which is what the page draws.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import torch

from ..data.binarize import binarize_each
from ..vae.objectives import elbo_terms, iw_log_px, iw_se_ess, log_importance_weights, self_consistency

IW_SAMPLES = 256  # K for log p(x); the same K is used for the training-set reference
ELBO_SAMPLES = 100  # draws for E_q[log p(x|z)], so its Monte Carlo error is small beside the gap
OOD_PERCENTILE = 1.0


@dataclass
class Encoding:
    mu: np.ndarray  # (D,)
    sigma: np.ndarray  # (D,)
    reconstruction: np.ndarray  # (H, W) decoder mean at mu
    error: np.ndarray  # (H, W) signed x_hat - x
    rec_term: float  # E_q[log p(x|z)]
    kl: float  # KL(q(z|x) || p(z))
    iw_log_px: float
    k: int
    self_consistency: float
    ess: float = float("nan")  # effective sample size of the K importance weights
    binarized: np.ndarray | None = None  # (H, W) x_b the figures are of, for a binarised model; else None

    @property
    def elbo(self) -> float:
        return self.rec_term - self.kl

    @property
    def gap(self) -> float:
        return self.iw_log_px - self.elbo


@torch.no_grad()
def encode_images(model, pixels: np.ndarray, k: int = IW_SAMPLES, seed: int = 0,
                  binarize_seed: int | None = None) -> list[Encoding]:
    """Analyse a batch of preprocessed images (N, H, W); seeded, so a rerun shows the same numbers.
    binarize_seed: the figures in nats are of binarize(x, binarize_seed) (vae_core.data.binarize)."""
    model.eval()
    torch.manual_seed(seed)
    x = torch.as_tensor(np.asarray(pixels, dtype=np.float32)).reshape(len(pixels), -1)
    mu, logvar = model.encode(x)
    recon = model.decode(mu).reshape(pixels.shape).numpy()
    xf = x if binarize_seed is None else binarize_each(x, binarize_seed)
    terms = elbo_terms(model, xf, samples=ELBO_SAMPLES)
    log_w = log_importance_weights(model, xf, k=k)
    iw, sc = iw_log_px(log_w), self_consistency(log_w)
    _, ess = iw_se_ess(log_w)
    sigma = (0.5 * logvar).exp()
    shown = None if binarize_seed is None else xf.reshape(pixels.shape).numpy()
    return [Encoding(mu=mu[i].numpy().astype(np.float64), sigma=sigma[i].numpy().astype(np.float64),
                     reconstruction=recon[i], error=recon[i] - pixels[i], rec_term=float(terms.reconstruction[i]),
                     kl=float(terms.kl[i]), iw_log_px=float(iw[i]), k=k, self_consistency=float(sc[i]),
                     ess=float(ess[i]), binarized=None if shown is None else shown[i])
            for i in range(len(pixels))]


@torch.no_grad()
def reference_log_px(model, x: np.ndarray, n: int = 1000, k: int = IW_SAMPLES, seed: int = 0,
                     batch: int = 100, binarize_seed: int | None = None) -> np.ndarray:
    """Sorted IW log p(x) of a random subset of n training images: the OOD reference, computed as an upload's
    is (of the seeded binarisation of each image when binarize_seed is given).

    Its draws come from a generator of its own, so a server may build it in a background thread
    without changing, or being changed by, what another thread draws from torch's global generator."""
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(x), size=min(n, len(x)), replace=False))
    generator = torch.Generator().manual_seed(seed)
    model.eval()
    out = []
    for start in range(0, len(idx), batch):
        xb = torch.as_tensor(x[idx[start:start + batch]], dtype=torch.float32)
        if binarize_seed is not None:  # each image binarised on its own, as one upload is
            xb = binarize_each(xb, binarize_seed)
        out.append(iw_log_px(log_importance_weights(model, xb, k=k, generator=generator)).numpy())
    return np.sort(np.concatenate(out)).astype(np.float64)


def percentile_of(value: float, reference: np.ndarray) -> float:
    """Percentage of reference values at or below `value` (0-100)."""
    return 100.0 * float(np.searchsorted(reference, value, side="right")) / len(reference)


def ood_threshold(reference: np.ndarray, percentile: float = OOD_PERCENTILE) -> float:
    return float(np.percentile(reference, percentile))


CSV_FIELDS = ["file", "model", "elbo", "reconstruction_term", "kl", "iw_log_px", "k", "ess", "gap",
              "self_consistency", "log_px_percentile", "out_of_distribution", "knn_guess", "knn_vote_share"]


def to_csv(rows: list[dict]) -> bytes:
    """One line per upload: the figures, then mu_1..mu_D and sigma_1..sigma_D."""
    dims = max((len(r["mu"]) for r in rows), default=0)
    header = CSV_FIELDS + [f"mu_{i + 1}" for i in range(dims)] + [f"sigma_{i + 1}" for i in range(dims)]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for r in rows:
        pad = [""] * (dims - len(r["mu"]))
        writer.writerow([_fmt(r.get(f, "")) for f in CSV_FIELDS] + [_fmt(v) for v in r["mu"]] + pad
                        + [_fmt(v) for v in r["sigma"]] + pad)
    return buf.getvalue().encode()


def _fmt(v):
    return f"{v:.6g}" if isinstance(v, float) else v


def error_map_rgb(error: np.ndarray, scale: int = 4) -> np.ndarray:
    """Signed per-pixel error x_hat - x as uint8 RGB: red where the reconstruction
    has too much ink, blue where too little, black where it matches."""
    e = np.clip(np.asarray(error, dtype=np.float64), -1, 1)
    rgb = np.zeros(e.shape + (3,))
    rgb[..., 0] = np.maximum(e, 0)
    rgb[..., 2] = np.maximum(-e, 0)
    rgb[..., 1] = 0.25 * np.abs(e)
    rgb = np.kron(rgb, np.ones((scale, scale, 1)))
    return np.round(rgb * 255).astype(np.uint8)
