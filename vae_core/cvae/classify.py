"""Generative classification with a conditional VAE: y_hat = argmax_y p(x|y) p(y).

p(x|y) = integral p(z) p_D(x|z, y) dz is estimated for every label by importance
sampling with the encoder as proposal, z_k ~ q(z|x, y):

    log p(x|y) ~= log (1/K) sum_k w_k,   w_k = p(z_k) p_D(x|z_k, y) / q(z_k|x, y).

Its Monte Carlo standard error comes from the delta method: the mean of the
weights has standard error sd(w)/sqrt(K), so its log has sd(w)/(sqrt(K) mean(w)).
That formula is right only when the effective sample size of the weights is
large; with few effective draws (median 20 of 1,000 on mnist-2d) a rerun moves
the estimate by several times it. With repeats = R > 1 the figure is instead the
mean of R independent K-sample estimates and its standard error the spread of
those R, sd / sqrt(R), which measures what a rerun does whatever the ESS. Either
way the estimate is a lower bound on log p(x|y) on average, low by an amount no
standard error of reruns captures.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import ConfigError
from ..vae.objectives import log_importance_weights

MAX_K = 10_000  # importance samples per label: beyond this a request is a mistake, not a wish


def require_conditional(model, what: str = "generative classification") -> None:
    """Refuse a model without a label input, saying why."""
    if not model.config["conditional"]:
        name = getattr(model, "name", None) or "this model"
        raise ConfigError(f"{what} needs a conditional VAE (one trained with --conditional); {name} has no "
                          "label input, so p(x|y) is not defined for it")


def check_labels(model, labels) -> list[int]:
    """Validate label indices against the model's classes; returns them as ints."""
    n = len(model.config["labels"])
    out = []
    for label in labels:
        try:
            value = int(label)
        except (TypeError, ValueError):
            raise ConfigError(f"label must be an integer from 0 to {n - 1}, got {label!r}") from None
        not_whole = not isinstance(label, str) and value != label
        if not_whole or not 0 <= value < n:
            raise ConfigError(f"label must be an integer from 0 to {n - 1}, got {label!r}")
        out.append(value)
    if not out:
        raise ConfigError("give at least one label to score")
    return out


@dataclass(frozen=True)
class Classification:
    """Per image (rows) and candidate label (columns), in nats."""

    labels: list[int]           # the candidate labels y, column order
    log_px_y: np.ndarray        # (N, L) importance-sampled log p(x|y) (the mean of the repeats when repeats > 1)
    se: np.ndarray              # (N, L) its Monte Carlo standard error: delta method, or the repeats' spread
    log_prior: np.ndarray       # (L,) log p(y) over the candidates
    k: int                      # importance samples per label (per repeat)
    repeats: int = 1            # independent K-sample estimates averaged
    ess: np.ndarray | None = None  # (N, L) effective sample size of the K weights, averaged over the repeats

    @property
    def log_joint(self) -> np.ndarray:
        return self.log_px_y + self.log_prior

    @property
    def posterior(self) -> np.ndarray:
        """p(y|x) = p(x|y) p(y) / sum_y' p(x|y') p(y'), shape (N, L)."""
        j = self.log_joint
        j = j - j.max(axis=1, keepdims=True)
        p = np.exp(j)
        return p / p.sum(axis=1, keepdims=True)

    @property
    def predicted(self) -> np.ndarray:
        """argmax_y p(x|y) p(y) as label indices, shape (N,)."""
        return np.asarray(self.labels)[np.argmax(self.log_joint, axis=1)]

    def to_dict(self, names=None) -> list[dict]:
        post = self.posterior
        rows = []
        for i in range(len(self.log_px_y)):
            rows.append({
                "predicted": int(self.predicted[i]),
                "k": self.k,
                "labels": [
                    {"label": int(y), **({"name": names[y]} if names else {}),
                     "log_px_y": float(self.log_px_y[i, j]), "se": float(self.se[i, j]),
                     **({} if self.ess is None else {"ess": float(self.ess[i, j])}),
                     "posterior": float(post[i, j])}
                    for j, y in enumerate(self.labels)
                ],
            })
        return rows


def log_mean_exp_and_se(log_w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """log (1/K) sum_k w_k and its delta-method standard error, over dim 0."""
    k = log_w.shape[0]
    est = torch.logsumexp(log_w, 0) - math.log(k)
    if k < 2:
        return est, torch.full_like(est, float("nan"))
    ratio = torch.exp(log_w - est)  # w_k / mean(w), numerically safe
    return est, ratio.std(0, unbiased=True) / math.sqrt(k)


MAX_REPEATS = 20


@torch.no_grad()
def classify(model, x, k: int = 100, labels=None, prior=None, batch: int = 32, seed: int | None = 0,
             repeats: int = 1) -> Classification:
    """log p(x|y) for every candidate label y, by importance sampling with K samples per label.

    x: images in [0, 1], (N, pixels), (N, H, W) or one image (H, W); for a model trained on binarised pixels,
       pass binary images (vae_core.vae.pixels.model_pixels) for log p(x|y) to be a true log-likelihood.
    labels: candidate label indices (default: all of the model's classes).
    prior: p(y) over the candidates (default uniform); it only shifts p(y|x).
    seed: fixes the Monte Carlo draws so a page shows the same bars on every rerun (None: fresh draws).
    repeats: R > 1 averages R independent K-sample estimates and takes the SE from their spread (see above).
    """
    require_conditional(model)
    if not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise ConfigError(f"k (importance samples per label) must be an integer from 1 to {MAX_K}, got {k!r}")
    if not isinstance(repeats, int) or not 1 <= repeats <= MAX_REPEATS or (repeats > 1 and repeats * k > MAX_K):
        raise ConfigError(f"repeats must be an integer from 1 to {MAX_REPEATS}, with repeats × k at most {MAX_K}, "
                          f"got {repeats!r}")
    labels = check_labels(model, range(len(model.config["labels"])) if labels is None else labels)
    log_prior = _log_prior(prior, len(labels))
    x = torch.tensor(np.asarray(x, dtype=np.float32))  # a copy: cached arrays are read-only
    h, w = model.config["image_shape"]
    if x.dim() == 2 and tuple(x.shape) == (h, w) and h * w != x.shape[1]:
        x = x.reshape(1, -1)
    x = model.flatten(x)
    gen = torch.random.fork_rng() if seed is not None else nullcontext()
    model.eval()
    n_labels = len(labels)
    est = np.empty((x.shape[0], n_labels), np.float64)
    se, ess = np.empty_like(est), np.empty_like(est)
    with gen:
        if seed is not None:
            torch.manual_seed(seed)
        for start in range(0, x.shape[0], batch):
            xb = x[start:start + batch]
            nb = xb.shape[0]
            # Every (image, label) pair is one row, so one network pass scores all labels.
            xr = xb.repeat_interleave(n_labels, 0)
            yr = torch.tensor(labels).repeat(nb)
            runs, spreads, sizes = [], [], []
            for _ in range(repeats):
                log_w = log_importance_weights(model, xr, yr, k=k, chunk=min(k, 100)).double()
                e, s = log_mean_exp_and_se(log_w)
                w = torch.exp(log_w - log_w.max(0).values)
                runs.append(e), spreads.append(s), sizes.append(w.sum(0).pow(2) / w.pow(2).sum(0))
            e = torch.stack(runs)
            s = e.std(0, unbiased=True) / math.sqrt(repeats) if repeats > 1 else spreads[0]
            est[start:start + nb] = e.mean(0).view(nb, n_labels).numpy()
            se[start:start + nb] = s.view(nb, n_labels).numpy()
            ess[start:start + nb] = torch.stack(sizes).mean(0).view(nb, n_labels).numpy()
    return Classification(labels=labels, log_px_y=est, se=se, log_prior=log_prior, k=k, repeats=repeats, ess=ess)


def _log_prior(prior, n: int) -> np.ndarray:
    if prior is None:
        return np.full(n, -math.log(n))
    p = np.asarray(prior, np.float64).reshape(-1)
    if p.shape[0] != n or not np.all(np.isfinite(p)) or np.any(p < 0) or p.sum() <= 0:
        raise ConfigError(f"prior p(y) must be {n} non-negative numbers with a positive sum")
    with np.errstate(divide="ignore"):
        return np.log(p / p.sum())

