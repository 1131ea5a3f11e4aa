"""What the page draws after each epoch, computed in the training thread.

A fixed set of validation images (the same every epoch, so the map's points
move rather than resample) is encoded to its means mu(x) for the 2-D map and
reconstructed; prior samples decode fixed draws z ~ N(0, I), so a change in
the row is the model changing, not new noise.
"""

from __future__ import annotations

import numpy as np
import torch

from vae_core.data.datasets import Dataset
from vae_core.vae.train import TrainConfig, split_indices

MAP_POINTS = 600
ROW = 8


def map_images(data: Dataset, cfg: TrainConfig) -> np.ndarray:
    """Indices of the fixed validation images on the map (and, the first ROW, in the image rows)."""
    _, val_idx = split_indices(len(data), cfg.val_fraction, cfg.seed)
    return val_idx[np.linspace(0, len(val_idx) - 1, min(MAP_POINTS, len(val_idx))).astype(int)]


def map_labels(data: Dataset, pick: np.ndarray) -> list[str]:
    """Class names of the map's images (`pick`, from map_images)."""
    return [data.class_names[int(c)] for c in data.y[pick]]


def replay_rows(count: int) -> np.ndarray:
    """Which of the map's `count` images are in the image rows: spread over them, not the first few (a data
    set stored in class order, as mnist-5k is, would otherwise show one digit eight times)."""
    return np.linspace(0, count - 1, min(ROW, count)).astype(np.int64)


@torch.no_grad()
def epoch_views(model, data: Dataset, cfg: TrainConfig) -> dict:
    was_training = model.training
    model.eval()
    pick = map_images(data, cfg)
    x = torch.from_numpy(data.x[pick])
    y = torch.from_numpy(data.y[pick]) if cfg.conditional else None
    mu, _ = model.encode(x, y)
    row = torch.from_numpy(replay_rows(len(pick)))
    recon = model.decode(mu[row], None if y is None else y[row])
    g = torch.Generator().manual_seed(cfg.seed)
    z = torch.randn(ROW, cfg.latent_dim, generator=g)
    y_prior = torch.arange(ROW) % len(data.class_names) if cfg.conditional else None
    samples = model.decode(z, y_prior)
    shape = data.image_shape
    views = {
        "originals": x[row].reshape(-1, *shape).numpy(),
        "reconstructions": recon.reshape(-1, *shape).numpy(),
        "samples": samples.reshape(-1, *shape).numpy(),
        "sample_labels": None if y_prior is None else [data.class_names[int(c)] for c in y_prior],
        "means": mu.numpy(),  # every latent size: the run's replay keeps them (job.py); not sent to the page
    }
    if cfg.latent_dim == 2:
        views["map_mu"] = mu.numpy()
        views["map_labels"] = map_labels(data, pick)
    if was_training:
        model.train()
    return views
