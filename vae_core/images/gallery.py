"""Images a page shows: prior samples, reconstructions, and tiled grids."""

from __future__ import annotations

import numpy as np
import torch

from ..vae.model import VAE


@torch.no_grad()
def prior_samples(model: VAE, n: int, seed: int = 0, label: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Decode z ~ N(0, I); returns (z of shape (n, d), images of shape (n, H, W))."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, model.config.latent_dim, generator=g)
    x = model.decode(z, label)
    return z.numpy(), x.reshape(n, *model.config.image_shape).numpy()


@torch.no_grad()
def reconstruct(model: VAE, x: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """Decoder mean at the encoder mean, mu_D(mu(x)): the deterministic reconstruction."""
    mu, _ = model.encode(torch.as_tensor(x), y)
    out = model.decode(mu, y)
    return out.reshape(len(x), *model.config.image_shape).numpy()


def tile_images(images: np.ndarray, cols: int, pad: int = 1, scale: int = 1, pad_value: float = 0.3) -> np.ndarray:
    """Arrange (n, H, W) images in a grid with `cols` columns; returns a uint8 array.

    `scale` enlarges each pixel to a scale x scale block, so small digits stay
    crisp in the browser instead of being blurred by its resampling.
    """
    images = np.asarray(images, dtype=np.float32)
    n, h, w = images.shape
    rows = -(-n // cols)
    grid = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad), pad_value, dtype=np.float32)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        grid[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = img
    if scale > 1:
        grid = np.kron(grid, np.ones((scale, scale), dtype=np.float32))
    return np.round(np.clip(grid, 0, 1) * 255).astype(np.uint8)
