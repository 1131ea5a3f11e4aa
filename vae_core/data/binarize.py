"""Binarised images: x_b ~ Bernoulli(x), pixel by pixel, as the binarised-MNIST likelihood tables use them.

A Bernoulli decoder's sum x log p + (1 - x) log(1 - p) is a normalised log-likelihood only when every pixel
is 0 or 1; on grey values it is a cross-entropy score. Binarising makes it a true log p(x):

- training ("dynamic" binarisation): a fresh draw of every training image in every epoch;
- evaluation: one fixed binarisation of the test images, stored as the seed that draws it (never as data):
  `binarize(x, TEST_BINARIZE_SEED)` gives the same 0/1 images on every run and machine (numpy's PCG64 stream).
"""

from __future__ import annotations

import numpy as np
import torch

BINARIZE_MODES = ("none", "dynamic")
TEST_BINARIZE_SEED = 0  # the seed of the evaluation binarisation the model cards and pages use


def binarize(x, seed: int):
    """A seeded draw x_b ~ Bernoulli(x) of images x in [0, 1] (numpy array or tensor; the same type back).

    Pixel i of image n is 1 when u < x, u the uniform numpy's default_rng(seed) draws for it in row-major
    order, so the first rows of a set binarise the same whether or not later rows are present."""
    as_tensor = torch.is_tensor(x)
    arr = x.detach().cpu().numpy() if as_tensor else np.asarray(x)
    u = np.random.default_rng(int(seed)).random(arr.shape, dtype=np.float32)
    out = (u < arr).astype(np.float32)
    return torch.from_numpy(out) if as_tensor else out


def binarize_each(x, seed: int):
    """Each row binarised on its own with the same seed, as `binarize(row[None], seed)`: an image's x_b is then
    the same whether it is analysed alone (an upload) or in a batch (the reference images it is compared with)."""
    as_tensor = torch.is_tensor(x)
    arr = x.detach().cpu().numpy() if as_tensor else np.asarray(x)
    flat = arr.reshape(len(arr), -1)
    u = np.random.default_rng(int(seed)).random(flat.shape[1], dtype=np.float32)
    out = (u[None] < flat).astype(np.float32).reshape(arr.shape)
    return torch.from_numpy(out) if as_tensor else out


def bernoulli_draw(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """A fresh x_b ~ Bernoulli(x) of a training batch (dynamic binarisation), from `generator`."""
    return torch.bernoulli(x.clamp(0.0, 1.0), generator=generator)


def is_binary(x) -> bool:
    """True when every pixel is exactly 0 or 1."""
    t = x if torch.is_tensor(x) else torch.as_tensor(np.asarray(x))
    return bool(((t == 0) | (t == 1)).all())
