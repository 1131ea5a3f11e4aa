"""Style transfer and generation by label with a conditional VAE.

A CVAE's z does not need to hold the class, since the decoder is told y; so z
holds style (slant, thickness, width). Encode x with its true label, keep z,
and decode it with every other label: the same handwriting, another digit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..errors import ConfigError
from .classify import check_labels, require_conditional


@dataclass(frozen=True)
class StyleTransfer:
    z: np.ndarray           # (N, d) posterior mean of q(z|x, y_true), kept fixed
    source: list[int]       # the true (or guessed) label of each image
    targets: list[int]      # labels decoded with, column order
    images: np.ndarray      # (N, T, pixels) decoder means mu_D(z, y_target)


@torch.no_grad()
def style_transfer(model, x, y, targets=None) -> StyleTransfer:
    """Encode each image with its label y and decode its z with every target label."""
    require_conditional(model, "style transfer")
    n_classes = len(model.config["labels"])
    x = model.flatten(torch.tensor(np.asarray(x, dtype=np.float32)))
    source = check_labels(model, np.atleast_1d(np.asarray(y)).tolist())
    if len(source) == 1 and x.shape[0] > 1:
        source = source * x.shape[0]
    if len(source) != x.shape[0]:
        raise ConfigError(f"give one label per image: {x.shape[0]} images, {len(source)} labels")
    targets = check_labels(model, range(n_classes) if targets is None else targets)
    model.eval()
    mu, _ = model.encode(x, torch.tensor(source))
    images = torch.stack([model.decode(mu, torch.full((x.shape[0],), t)) for t in targets], dim=1)
    return StyleTransfer(z=mu.numpy(), source=source, targets=targets, images=images.numpy())


@torch.no_grad()
def generation_grid(model, n_columns: int = 8, seed: int = 0, labels=None) -> tuple[np.ndarray, np.ndarray]:
    """Decoder means for rows = labels, columns = z ~ N(0, I), the same z down each column.

    Returns (images (L, C, pixels), z (C, d)).
    """
    require_conditional(model, "generation by label")
    if not 1 <= n_columns <= 64:
        raise ConfigError(f"n_columns must be from 1 to 64, got {n_columns}")
    labels = check_labels(model, range(len(model.config["labels"])) if labels is None else labels)
    z = torch.from_numpy(np.random.default_rng(seed).standard_normal((n_columns, model.config["latent_dim"]))).float()
    model.eval()
    rows = [model.decode(z, torch.full((n_columns,), y)) for y in labels]
    return torch.stack(rows).numpy(), z.numpy()
